package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func labelSet(m map[string]string) labels.Set { return labels.Set(m) }

// crossCheck: the references between documents that the API server does not check but that make a
// release broken once installed: a Service or policy selecting no pods, a named target port no pod
// has, a Secret key nobody renders, an HPA scaling nothing, a ServiceMonitor scraping nothing.
func crossCheck(docs []*Doc, external []string) []string {
	var p problems
	var deployments []*appsv1.Deployment
	var services []*corev1.Service
	secrets := map[string]map[string]bool{}
	configMaps := map[string]map[string]bool{}
	accounts := map[string]bool{"default": true}
	for _, name := range external {
		secrets[name] = nil // keys unknown: any key is accepted
	}
	for _, d := range docs {
		switch o := d.typed.(type) {
		case *appsv1.Deployment:
			deployments = append(deployments, o)
		case *corev1.Service:
			services = append(services, o)
		case *corev1.Secret:
			keys := map[string]bool{}
			for k := range o.Data {
				keys[k] = true
			}
			for k := range o.StringData {
				keys[k] = true
			}
			secrets[o.Name] = keys
		case *corev1.ConfigMap:
			keys := map[string]bool{}
			for k := range o.Data {
				keys[k] = true
			}
			configMaps[o.Name] = keys
		case *corev1.ServiceAccount:
			accounts[o.Name] = true
		}
	}
	selected := func(sel map[string]string) []*appsv1.Deployment {
		var out []*appsv1.Deployment
		for _, d := range deployments {
			if labelSet(sel).AsSelector().Matches(labelSet(d.Spec.Template.Labels)) {
				out = append(out, d)
			}
		}
		return out
	}
	selectedBy := func(sel metav1.LabelSelector) []*appsv1.Deployment {
		s, err := metav1.LabelSelectorAsSelector(&sel)
		if err != nil {
			return nil
		}
		var out []*appsv1.Deployment
		for _, d := range deployments {
			if s.Matches(labelSet(d.Spec.Template.Labels)) {
				out = append(out, d)
			}
		}
		return out
	}
	ref := func(where, kind string, known map[string]map[string]bool, name, key string, optional bool) {
		keys, ok := known[name]
		if optional && !ok {
			return
		}
		if !ok {
			p.add("%s: %s %q is neither rendered nor declared external", where, kind, name)
		} else if keys != nil && key != "" && !keys[key] {
			p.add("%s: %s %q has no key %q", where, kind, name, key)
		}
	}

	for _, d := range deployments {
		spec := d.Spec.Template.Spec
		where := "Deployment/" + d.Name
		if !accounts[spec.ServiceAccountName] && spec.ServiceAccountName != "" {
			p.add("%s: serviceAccountName %q is not rendered", where, spec.ServiceAccountName)
		}
		for _, c := range spec.Containers {
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					ref(where+" env "+e.Name, "Secret", secrets, r.Name, r.Key, r.Optional != nil && *r.Optional)
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
					ref(where+" env "+e.Name, "ConfigMap", configMaps, r.Name, r.Key, r.Optional != nil && *r.Optional)
				}
			}
			for _, e := range c.EnvFrom {
				if e.SecretRef != nil {
					ref(where+" envFrom", "Secret", secrets, e.SecretRef.Name, "", e.SecretRef.Optional != nil && *e.SecretRef.Optional)
				}
				if e.ConfigMapRef != nil {
					ref(where+" envFrom", "ConfigMap", configMaps, e.ConfigMapRef.Name, "", e.ConfigMapRef.Optional != nil && *e.ConfigMapRef.Optional)
				}
			}
		}
		for _, v := range spec.Volumes {
			if v.Secret != nil {
				ref(where+" volume "+v.Name, "Secret", secrets, v.Secret.SecretName, "", v.Secret.Optional != nil && *v.Secret.Optional)
			}
		}
	}

	for _, s := range services {
		pods := selected(s.Spec.Selector)
		if len(pods) == 0 {
			p.add("Service/%s: its selector %v matches no rendered Deployment", s.Name, s.Spec.Selector)
		}
		for _, port := range s.Spec.Ports {
			if port.TargetPort.Type != intstr.String {
				continue
			}
			for _, d := range pods {
				if !hasContainerPort(d, port.TargetPort.StrVal) {
					p.add("Service/%s: targetPort %q is not a container port of Deployment/%s", s.Name, port.TargetPort.StrVal, d.Name)
				}
			}
		}
	}

	for _, d := range docs {
		switch o := d.typed.(type) {
		case *autoscalingv2.HorizontalPodAutoscaler:
			found := false
			for _, dep := range deployments {
				found = found || (o.Spec.ScaleTargetRef.Kind == "Deployment" && dep.Name == o.Spec.ScaleTargetRef.Name)
			}
			if !found {
				p.add("HorizontalPodAutoscaler/%s: scaleTargetRef %s/%s is not rendered", o.Name, o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name)
			}
		case *policyv1.PodDisruptionBudget:
			if o.Spec.Selector != nil && len(selectedBy(*o.Spec.Selector)) == 0 {
				p.add("PodDisruptionBudget/%s: its selector matches no rendered Deployment", o.Name)
			}
		case *networkingv1.NetworkPolicy:
			if len(selectedBy(o.Spec.PodSelector)) == 0 {
				p.add("NetworkPolicy/%s: its podSelector matches no rendered Deployment", o.Name)
			}
		case *ServiceMonitor:
			p = append(p, checkServiceMonitorTargets(o, services)...)
		}
	}
	return p
}

func hasContainerPort(d *appsv1.Deployment, name string) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, port := range c.Ports {
			if port.Name == name {
				return true
			}
		}
	}
	return false
}

// checkServiceMonitorTargets: the monitor selects at least one Service, and each endpoint's port
// name is a port of one of them (else Prometheus silently scrapes nothing there).
func checkServiceMonitorTargets(m *ServiceMonitor, services []*corev1.Service) []string {
	s, err := metav1.LabelSelectorAsSelector(&m.Spec.Selector)
	if err != nil {
		return nil // reported by checkObject
	}
	ports := map[string]bool{}
	n := 0
	for _, svc := range services {
		if s.Matches(labelSet(svc.Labels)) {
			n++
			for _, port := range svc.Spec.Ports {
				ports[port.Name] = true
			}
		}
	}
	var out []string
	if n == 0 {
		out = append(out, fmt.Sprintf("ServiceMonitor/%s: its selector matches no rendered Service", m.Name))
	}
	for i, e := range m.Spec.Endpoints {
		if !ports[e.Port] {
			out = append(out, fmt.Sprintf("ServiceMonitor/%s: endpoints[%d].port %q is no port of a selected Service", m.Name, i, e.Port))
		}
	}
	return out
}
