{{/* Names and labels shared by every template. */}}
{{- define "pushwire.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pushwire.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels every Pushwire pod carries: the NetworkPolicy admits peers by them. */}}
{{- define "pushwire.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pushwire.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pushwire.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pushwire.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pushwire
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "edge"). */}}
{{- define "pushwire.componentSelector" -}}
{{ include "pushwire.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pushwire.componentLabels" -}}
{{ include "pushwire.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pushwire.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "pushwire.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pushwire.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pushwire.secretName" -}}
{{- default (printf "%s-secrets" (include "pushwire.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "pushwire.registryUrl" -}}
http://{{ include "pushwire.fullname" . }}-registry:{{ .Values.registry.port }}
{{- end }}

{{/* An env var read from the Pushwire Secret: (dict "root" $ "env" "PUSHWIRE_X" "key" "keyName"). */}}
{{- define "pushwire.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "pushwire.secretName" .root }}
      key: {{ get .root.Values.secrets.keys .key }}
{{- end }}

{{/* Env every service takes: log level, then the chart-wide extraEnv. */}}
{{- define "pushwire.commonEnv" -}}
- name: PUSHWIRE_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* A component's own extra settings (name: value map), values quoted: env values are strings. */}}
{{- define "pushwire.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* terminationGracePeriodSeconds of the edge: longer than its drain plus its own forced exit. */}}
{{- define "pushwire.edgeGraceSeconds" -}}
{{- $e := .Values.edge }}
{{- $sleep := ternary (int $e.preStop.sleepSeconds) 0 (eq $e.preStop.mode "sleep") }}
{{- add $sleep (int $e.drainSeconds) (int $e.shutdownAllowanceSeconds) (int $e.terminationGraceMarginSeconds) }}
{{- end }}

{{/* Pod-level pieces shared by every Deployment. */}}
{{- define "pushwire.podCommon" -}}
serviceAccountName: {{ include "pushwire.serviceAccountName" .root }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir: {}
{{- end }}

{{/* Container-level pieces shared by every Deployment. */}}
{{- define "pushwire.containerCommon" -}}
image: {{ include "pushwire.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
resources:
  {{- toYaml .values.resources | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* /healthz (liveness) and /readyz (readiness) on a named port: (dict "port" "http" "probes" ...). */}}
{{- define "pushwire.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
  {{- toYaml .probes.readiness | nindent 2 }}
{{- end }}

{{/* DynamoDB settings of the registry and the device list. */}}
{{- define "pushwire.dynamodbEnv" }}
- name: AWS_REGION
  value: {{ required "dynamodb.region is required with a dynamodb store" .Values.dynamodb.region | quote }}
{{- with .Values.dynamodb.endpoint }}
- name: DYNAMODB_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end }}
