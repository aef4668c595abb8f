{{/* The namespace Captain runs in: its Lease, digest key and shared ChartRepos. */}}
{{- define "captain.namespace" -}}
{{- default .Release.Namespace .Values.namespace -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "captain.labels" -}}
app.kubernetes.io/name: captain
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels that select the controller's Pods (as in config/manager). */}}
{{- define "captain.selectorLabels" -}}
app.kubernetes.io/name: captain
app.kubernetes.io/component: controller
{{- end -}}
