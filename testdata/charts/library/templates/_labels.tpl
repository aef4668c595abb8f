{{/*
library.labels renders the common labels of any chart that depends on this one.
*/}}
{{- define "library.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
captain.io/from-library: "true"
{{- end }}
