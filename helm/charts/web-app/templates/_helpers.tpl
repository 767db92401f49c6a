{{/* Name of every object of the release. */}}
{{- define "web-app.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the release's pods; never change between upgrades. */}}
{{- define "web-app.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels on every object. helm.sh/chart: a chart Flux takes from Git has version X+<commit>
   (reconcileStrategy Revision), and "+" is not allowed in a label value. */}}
{{- define "web-app.labels" -}}
{{ include "web-app.selectorLabels" . }}
app.kubernetes.io/component: {{ .Values.component | quote }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: unideploy-reference
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
unideploy.io/environment: {{ .Values.global.environment | quote }}
{{- end -}}

{{/* Resources: the release's own, else the environment's. */}}
{{- define "web-app.resources" -}}
{{- $res := .Values.resources | default .Values.global.resources -}}
{{- if not (and $res.requests $res.limits) -}}
{{- fail "web-app: resources need both requests and limits (set global.resources or resources)" -}}
{{- end -}}
{{- toYaml $res -}}
{{- end -}}

{{/* The cluster issuer the environment's flags select. */}}
{{- define "web-app.issuer" -}}
{{- $s := .Values.global.security -}}
{{- if $s.useLetsEncryptProd -}}letsencrypt-prod
{{- else if $s.useLetsEncryptStaging -}}letsencrypt-staging
{{- else -}}selfsigned
{{- end -}}
{{- end -}}

{{/* Settings: .Values.settings overlaid with settingsByEnvironment[global.environment], as JSON. */}}
{{- define "web-app.settings" -}}
{{- $byEnv := get .Values.settingsByEnvironment .Values.global.environment | default dict -}}
{{- merge (deepCopy $byEnv) (deepCopy .Values.settings) | toJson -}}
{{- end -}}
