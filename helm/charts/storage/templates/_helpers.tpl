{{- define "storage.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: unideploy-reference
unideploy.io/environment: {{ .Values.global.environment | quote }}
{{- end -}}

{{- define "storage.replicas" -}}
{{- $r := .Values.replicas | default (get .Values.replicasByEnvironment .Values.global.environment) -}}
{{- if not $r -}}
{{- fail (printf "storage: set replicas (no default for environment %q)" .Values.global.environment) -}}
{{- end -}}
{{- $r -}}
{{- end -}}
