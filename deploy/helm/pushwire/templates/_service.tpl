{{/*
A Deployment and its ClusterIP Service for the registry, the processor or the device list: one HTTP
port (API and ops routes /healthz, /readyz, /metrics), probes on it, the shared pod hardening.
(dict "root" $ "component" "registry" "values" .Values.registry "env" "<rendered EnvVar list>")
*/}}
{{- define "pushwire.backendService" -}}
{{- $v := .values }}
{{- $name := printf "%s-%s" (include "pushwire.fullname" .root) .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "pushwire.componentLabels" . | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  selector:
    matchLabels:
      {{- include "pushwire.componentSelector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "pushwire.componentLabels" . | nindent 8 }}
      {{- with $v.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      {{- include "pushwire.podCommon" . | nindent 6 }}
      containers:
        - name: {{ .component }}
          command:
            {{- toYaml $v.command | nindent 12 }}
          {{- include "pushwire.containerCommon" . | nindent 10 }}
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
          env:
            {{- .env | nindent 12 }}
            {{- include "pushwire.commonEnv" .root | nindent 12 }}
            {{- with $v.env }}{{ include "pushwire.extraEnv" . | nindent 12 }}{{ end }}
          {{- include "pushwire.probes" (dict "port" "http" "probes" .root.Values.probes) | nindent 10 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "pushwire.componentLabels" . | nindent 4 }}
    pushwire.io/scrape: "true"
spec:
  type: ClusterIP
  selector:
    {{- include "pushwire.componentSelector" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $v.port }}
      targetPort: http
      protocol: TCP
{{- end }}
