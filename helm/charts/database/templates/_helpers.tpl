{{/* Name of the release's objects. */}}
{{- define "database.fullname" -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the database's pods (the webhook server adds component=admission). */}}
{{- define "database.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels on every object. helm.sh/chart: a chart Flux takes from Git has version X+<commit>
   (reconcileStrategy Revision), and "+" is not allowed in a label value. */}}
{{- define "database.labels" -}}
{{ include "database.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: unideploy-reference
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
unideploy.io/environment: {{ .Values.global.environment | quote }}
{{- end -}}

{{/* Resources: the release's own, else the environment's. */}}
{{- define "database.resources" -}}
{{- $res := .Values.resources | default .Values.global.resources -}}
{{- if not (and $res.requests $res.limits) -}}
{{- fail "database: resources need both requests and limits (set global.resources or resources)" -}}
{{- end -}}
{{- toYaml $res -}}
{{- end -}}

{{/* The Secret holding the admin password: ours when auth.password is set, else auth.existingSecret. */}}
{{- define "database.secretName" -}}
{{- if .Values.auth.password -}}
{{ include "database.fullname" . }}-admin
{{- else if .Values.auth.existingSecret -}}
{{ .Values.auth.existingSecret }}
{{- else -}}
{{- fail "database: set auth.password (in a SOPS-encrypted values file, see docs/secrets.md) or auth.existingSecret" -}}
{{- end -}}
{{- end -}}

{{/* Pod and container security settings shared by the database and the webhook server. */}}
{{- define "database.podSecurity" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "database.containerSecurity" -}}
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
