package main

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsjson "sigs.k8s.io/json"
)

// kinds maps apiVersion/kind to a new empty object of its Go type. A kind not listed here is a
// problem, not a pass: every document the chart renders must be checked.
var kinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return &networkingv1.NetworkPolicy{} },
	// A CRD: no k8s.io/api type. Checked against our own schema of the fields the chart may use
	// (servicemonitor.go), strictly like the others.
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &ServiceMonitor{} },
}

// decodeOne decodes one document as the API server's strict field validation does: sigs.k8s.io/json
// matches field names case-sensitively (encoding/json would accept "Replicas") and reports unknown
// and duplicate fields; a value of the wrong type (a number for an env var's value) is an error.
func decodeOne(js []byte) (*Doc, []string) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return nil, []string{fmt.Sprintf("not an object: %v", err)}
	}
	doc := &Doc{APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name, Object: js}
	newObject, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return doc, []string{fmt.Sprintf("apiVersion %q kind %q is not one this validator knows (add its type to kinds.go)", head.APIVersion, head.Kind)}
	}
	obj := newObject()
	// Like encoding/json, a wrong value type does not stop the decoding: the unknown fields found
	// meanwhile are reported too. The rules run only on an object that decoded whole.
	strict, err := sigsjson.UnmarshalStrict(js, obj)
	var problems []string
	if err != nil {
		problems = append(problems, fmt.Sprintf("does not decode into %T: %v", obj, err))
	}
	for _, e := range strict {
		problems = append(problems, fmt.Sprintf("strict decoding into %T: %v", obj, e))
	}
	if err != nil {
		return doc, problems
	}
	doc.typed = obj
	return doc, append(problems, checkObject(obj)...)
}
