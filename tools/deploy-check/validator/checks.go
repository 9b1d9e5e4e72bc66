package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// checkObject applies a subset of the API server's validation rules for each kind: the ones a
// chart gets wrong in practice (names, selectors, ports, probes, env, resources). Decoding already
// refused unknown fields and wrong types.
func checkObject(obj any) []string {
	var p problems
	switch o := obj.(type) {
	case *appsv1.Deployment:
		p.name(o.ObjectMeta, validation.IsDNS1123Subdomain)
		p.selector("spec.selector", o.Spec.Selector, o.Spec.Template.Labels)
		p.podSpec(&o.Spec.Template.Spec)
	case *corev1.Service:
		p.name(o.ObjectMeta, validation.IsDNS1035Label)
		p.servicePorts(o)
	case *corev1.Secret, *corev1.ConfigMap, *corev1.ServiceAccount:
		p.name(metaOf(o), validation.IsDNS1123Subdomain)
	case *autoscalingv2.HorizontalPodAutoscaler:
		p.name(o.ObjectMeta, validation.IsDNS1123Subdomain)
		p.hpa(o)
	case *policyv1.PodDisruptionBudget:
		p.name(o.ObjectMeta, validation.IsDNS1123Subdomain)
		p.selector("spec.selector", o.Spec.Selector, nil)
		if (o.Spec.MinAvailable == nil) == (o.Spec.MaxUnavailable == nil) {
			p.add("spec: exactly one of minAvailable and maxUnavailable must be set")
		}
	case *networkingv1.NetworkPolicy:
		p.name(o.ObjectMeta, validation.IsDNS1123Subdomain)
	case *ServiceMonitor:
		p.name(o.ObjectMeta, validation.IsDNS1123Subdomain)
		p.selector("spec.selector", &o.Spec.Selector, nil)
		if len(o.Spec.Endpoints) == 0 {
			p.add("spec.endpoints: at least one endpoint is required")
		}
		for i, e := range o.Spec.Endpoints {
			if e.Port == "" {
				p.add("spec.endpoints[%d].port: required (the Service port's name)", i)
			}
		}
	}
	return p
}

func metaOf(obj any) metav1.ObjectMeta {
	switch o := obj.(type) {
	case *corev1.Secret:
		return o.ObjectMeta
	case *corev1.ConfigMap:
		return o.ObjectMeta
	case *corev1.ServiceAccount:
		return o.ObjectMeta
	}
	return metav1.ObjectMeta{}
}

type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p *problems) errs(field string, errs []string) {
	for _, e := range errs {
		p.add("%s: %s", field, e)
	}
}

func (p *problems) name(meta metav1.ObjectMeta, rule func(string) []string) {
	if meta.Name == "" {
		p.add("metadata.name: required")
		return
	}
	p.errs("metadata.name "+meta.Name, rule(meta.Name))
	p.labels("metadata.labels", meta.Labels)
}

func (p *problems) labels(field string, labels map[string]string) {
	for k, v := range labels {
		p.errs(field+" key "+k, validation.IsQualifiedName(k))
		p.errs(field+" "+k+" value", validation.IsValidLabelValue(v))
	}
}

// selector: required and non-empty; when the template's labels are given, it must match them
// (the API server refuses a Deployment whose selector does not select its own pods).
func (p *problems) selector(field string, sel *metav1.LabelSelector, templateLabels map[string]string) {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		p.add("%s: required and non-empty", field)
		return
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		p.add("%s: %v", field, err)
		return
	}
	if templateLabels != nil && !s.Matches(labelSet(templateLabels)) {
		p.add("%s: does not match the pod template's labels %v", field, templateLabels)
	}
}

func (p *problems) servicePorts(s *corev1.Service) {
	if len(s.Spec.Ports) == 0 {
		p.add("spec.ports: at least one port is required")
	}
	seen := map[string]bool{}
	for i, port := range s.Spec.Ports {
		f := fmt.Sprintf("spec.ports[%d]", i)
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			p.add("%s.name: required when a Service has several ports", f)
		}
		if port.Name != "" {
			p.errs(f+".name", validation.IsValidPortName(port.Name))
			if seen[port.Name] {
				p.add("%s.name: duplicate %q", f, port.Name)
			}
			seen[port.Name] = true
		}
		p.errs(f+".port", validation.IsValidPortNum(int(port.Port)))
		if port.NodePort != 0 && s.Spec.Type != corev1.ServiceTypeNodePort && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			p.add("%s.nodePort: only for NodePort and LoadBalancer Services", f)
		}
	}
	if len(s.Spec.Selector) == 0 {
		p.add("spec.selector: this chart's Services all select pods")
	}
}

func (p *problems) hpa(h *autoscalingv2.HorizontalPodAutoscaler) {
	if h.Spec.ScaleTargetRef.Kind == "" || h.Spec.ScaleTargetRef.Name == "" {
		p.add("spec.scaleTargetRef: kind and name are required")
	}
	if h.Spec.MaxReplicas < 1 || (h.Spec.MinReplicas != nil && (*h.Spec.MinReplicas < 1 || *h.Spec.MinReplicas > h.Spec.MaxReplicas)) {
		p.add("spec: need 1 ≤ minReplicas ≤ maxReplicas")
	}
	for i, m := range h.Spec.Metrics {
		f := fmt.Sprintf("spec.metrics[%d]", i)
		switch m.Type {
		case autoscalingv2.PodsMetricSourceType:
			if m.Pods == nil || m.Pods.Metric.Name == "" {
				p.add("%s.pods.metric.name: required for type Pods", f)
			} else if m.Pods.Target.Type != autoscalingv2.AverageValueMetricType || m.Pods.Target.AverageValue == nil {
				p.add("%s.pods.target: a Pods metric takes type AverageValue with averageValue", f)
			}
		case autoscalingv2.ResourceMetricSourceType:
			if m.Resource == nil {
				p.add("%s.resource: required for type Resource", f)
			}
		default:
			p.add("%s.type: %q is not used by this chart", f, m.Type)
		}
	}
}

func (p *problems) podSpec(spec *corev1.PodSpec) {
	if len(spec.Containers) == 0 {
		p.add("spec.template.spec.containers: at least one container is required")
	}
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
	}
	for i := range spec.Containers {
		p.container(fmt.Sprintf("spec.template.spec.containers[%d]", i), &spec.Containers[i], volumes)
	}
}

func (p *problems) container(f string, c *corev1.Container, volumes map[string]bool) {
	p.errs(f+".name", validation.IsDNS1123Label(c.Name))
	if c.Image == "" {
		p.add("%s.image: required", f)
	}
	ports := map[string]bool{}
	for i, port := range c.Ports {
		p.errs(fmt.Sprintf("%s.ports[%d].containerPort", f, i), validation.IsValidPortNum(int(port.ContainerPort)))
		if port.Name != "" {
			p.errs(fmt.Sprintf("%s.ports[%d].name", f, i), validation.IsValidPortName(port.Name))
			if ports[port.Name] {
				p.add("%s.ports[%d].name: duplicate %q", f, i, port.Name)
			}
			ports[port.Name] = true
		}
	}
	for i, e := range c.Env {
		ef := fmt.Sprintf("%s.env[%d] %s", f, i, e.Name)
		p.errs(ef, validation.IsEnvVarName(e.Name))
		if e.Value != "" && e.ValueFrom != nil {
			p.add("%s: value and valueFrom are exclusive", ef)
		}
	}
	for i, m := range c.VolumeMounts {
		if !volumes[m.Name] {
			p.add("%s.volumeMounts[%d]: no volume named %q", f, i, m.Name)
		}
	}
	for name, probe := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
		if probe != nil {
			p.handler(f+"."+name, probe.ProbeHandler.Exec, probe.HTTPGet, probe.TCPSocket, probe.GRPC != nil, false, ports)
		}
	}
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		h := c.Lifecycle.PreStop
		p.handler(f+".lifecycle.preStop", h.Exec, h.HTTPGet, h.TCPSocket, false, h.Sleep != nil, ports)
	}
	for name, limit := range c.Resources.Limits {
		if req, ok := c.Resources.Requests[name]; ok && req.Cmp(limit) > 0 {
			p.add("%s.resources: request of %s (%s) above its limit (%s)", f, name, req.String(), limit.String())
		}
	}
}

// handler: exactly one action, and a named port must be one of the container's ports.
func (p *problems) handler(f string, exec *corev1.ExecAction, http *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction, grpc, sleep bool, ports map[string]bool) {
	n := 0
	for _, set := range []bool{exec != nil, http != nil, tcp != nil, grpc, sleep} {
		if set {
			n++
		}
	}
	if n != 1 {
		p.add("%s: exactly one handler must be set, found %d", f, n)
	}
	if exec != nil && len(exec.Command) == 0 {
		p.add("%s.exec.command: required", f)
	}
	var port *intstr.IntOrString
	if http != nil {
		port = &http.Port
	}
	if tcp != nil {
		port = &tcp.Port
	}
	if port != nil {
		if port.Type == intstr.String && !ports[port.StrVal] {
			p.add("%s: port %q is not a port of the container", f, port.StrVal)
		} else if port.Type == intstr.Int {
			p.errs(f+".port", validation.IsValidPortNum(port.IntValue()))
		}
	}
}
