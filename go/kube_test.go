package dsr

// Kubernetes objects as the API serialises them (kubectl get -o json), as far
// as placement reads them, and their conversion to the binding's types.

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

type kubeMeta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	UID               string            `json:"uid"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	Generation        int64             `json:"generation"`
	CreationTimestamp *time.Time        `json:"creationTimestamp"`
	DeletionTimestamp *time.Time        `json:"deletionTimestamp"`
	OwnerReferences   []struct {
		Kind       string `json:"kind"`
		Name       string `json:"name"`
		UID        string `json:"uid"`
		Controller *bool  `json:"controller"`
	} `json:"ownerReferences"`
}

type kubeNode struct {
	Metadata kubeMeta `json:"metadata"`
	Spec     struct {
		Taints        []Taint `json:"taints"`
		Unschedulable bool    `json:"unschedulable"`
	} `json:"spec"`
}

type kubeRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

type kubeTerm struct {
	MatchExpressions []kubeRequirement `json:"matchExpressions"`
	MatchFields      []kubeRequirement `json:"matchFields"`
}

type kubeSelector struct {
	MatchLabels      map[string]string `json:"matchLabels"`
	MatchExpressions []kubeRequirement `json:"matchExpressions"`
}

type kubePodSpec struct {
	NodeSelector map[string]string `json:"nodeSelector"`
	Affinity     *struct {
		NodeAffinity *struct {
			Required *struct {
				Terms []kubeTerm `json:"nodeSelectorTerms"`
			} `json:"requiredDuringSchedulingIgnoredDuringExecution"`
		} `json:"nodeAffinity"`
	} `json:"affinity"`
	Tolerations []struct {
		Key               string `json:"key"`
		Operator          string `json:"operator"`
		Value             string `json:"value"`
		Effect            string `json:"effect"`
		TolerationSeconds *int64 `json:"tolerationSeconds"`
	} `json:"tolerations"`
	NodeName              string `json:"nodeName"`
	HostNetwork           bool   `json:"hostNetwork"`
	RestartPolicy         string `json:"restartPolicy"`
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds"`
	Containers            []struct {
		Name string `json:"name"`
	} `json:"containers"`
}

type kubeDaemonSet struct {
	Metadata kubeMeta `json:"metadata"`
	Spec     struct {
		Selector *kubeSelector `json:"selector"`
		Template struct {
			Metadata kubeMeta    `json:"metadata"`
			Spec     kubePodSpec `json:"spec"`
		} `json:"template"`
		UpdateStrategy struct {
			Type          string `json:"type"`
			RollingUpdate *struct {
				MaxUnavailable json.RawMessage `json:"maxUnavailable"`
				MaxSurge       json.RawMessage `json:"maxSurge"`
			} `json:"rollingUpdate"`
		} `json:"updateStrategy"`
		MinReadySeconds      int32  `json:"minReadySeconds"`
		RevisionHistoryLimit *int32 `json:"revisionHistoryLimit"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration int64 `json:"observedGeneration"`
	} `json:"status"`
}

type kubePod struct {
	Metadata kubeMeta    `json:"metadata"`
	Spec     kubePodSpec `json:"spec"`
	Status   struct {
		Phase      string `json:"phase"`
		Conditions []struct {
			Type               string     `json:"type"`
			Status             string     `json:"status"`
			LastTransitionTime *time.Time `json:"lastTransitionTime"`
		} `json:"conditions"`
	} `json:"status"`
}

func (n *kubeNode) node() *Node {
	return &Node{Name: n.Metadata.Name, Labels: n.Metadata.Labels, Taints: n.Spec.Taints, Unschedulable: n.Spec.Unschedulable}
}

func requirements(rs []kubeRequirement) []Requirement {
	out := make([]Requirement, len(rs))
	for i, r := range rs {
		out[i] = Requirement{Key: r.Key, Operator: r.Operator, Values: r.Values}
	}
	return out
}

func selector(s *kubeSelector) *LabelSelector {
	if s == nil {
		return nil
	}
	return &LabelSelector{MatchLabels: s.MatchLabels, MatchExpressions: requirements(s.MatchExpressions)}
}

// apply puts a pod template's placement fields on a DaemonSet.
func (s *kubePodSpec) apply(d *DaemonSet) {
	d.NodeSelector = s.NodeSelector
	if s.Affinity != nil && s.Affinity.NodeAffinity != nil && s.Affinity.NodeAffinity.Required != nil {
		ns := &NodeSelector{}
		for _, t := range s.Affinity.NodeAffinity.Required.Terms {
			ns.Terms = append(ns.Terms, NodeSelectorTerm{
				MatchExpressions: requirements(t.MatchExpressions),
				MatchFields:      requirements(t.MatchFields),
			})
		}
		d.RequiredNodeAffinity = ns
	}
	for _, t := range s.Tolerations {
		d.Tolerations = append(d.Tolerations, Toleration{Key: t.Key, Operator: t.Operator, Value: t.Value, Effect: t.Effect, TolerationSeconds: t.TolerationSeconds})
	}
	d.NodeName = s.NodeName
	d.HostNetwork = s.HostNetwork
}

func (k *kubeDaemonSet) daemonSet() *DaemonSet {
	d := &DaemonSet{
		Name:           k.Metadata.Name,
		Namespace:      k.Metadata.Namespace,
		UID:            k.Metadata.UID,
		Selector:       selector(k.Spec.Selector),
		TemplateLabels: k.Spec.Template.Metadata.Labels,
	}
	k.Spec.Template.Spec.apply(d)
	d.Generation = k.Metadata.Generation
	d.ObservedGeneration = k.Status.ObservedGeneration
	d.Deleting = k.Metadata.DeletionTimestamp != nil
	d.UpdateStrategy.Type = k.Spec.UpdateStrategy.Type
	if ru := k.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		d.UpdateStrategy.RollingUpdate = &RollingUpdate{
			MaxUnavailable: intOrString(ru.MaxUnavailable),
			MaxSurge:       intOrString(ru.MaxSurge),
		}
	}
	d.MinReadySeconds = k.Spec.MinReadySeconds
	d.RevisionHash = k.Metadata.Annotations["dsr.io/current-revision"]
	if g, ok := k.Metadata.Annotations["deprecated.daemonset.template.generation"]; ok {
		d.TemplateGeneration = &g
	}
	d.RestartPolicy = k.Spec.Template.Spec.RestartPolicy
	d.ActiveDeadlineSeconds = k.Spec.Template.Spec.ActiveDeadlineSeconds
	d.RevisionHistoryLimit = k.Spec.RevisionHistoryLimit
	for _, c := range k.Spec.Template.Spec.Containers {
		d.Containers = append(d.Containers, Container{Name: c.Name})
	}
	return d
}

// intOrString reads an IntOrString as the API writes it: a number or a
// string; absent is nil.
func intOrString(raw json.RawMessage) *IntOrString {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return Percent(s)
	}
	var i int32
	if json.Unmarshal(raw, &i) == nil {
		return Int(i)
	}
	return nil
}

func (k *kubePod) pod() *Pod {
	p := &Pod{
		Name: k.Metadata.Name, Namespace: k.Metadata.Namespace, UID: k.Metadata.UID,
		Labels: k.Metadata.Labels, NodeName: k.Spec.NodeName, Phase: k.Status.Phase,
		Deleting: k.Metadata.DeletionTimestamp != nil,
	}
	for _, r := range k.Metadata.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			uid := r.UID
			p.ControllerUID = &uid
			p.ControllerKind, p.ControllerName = r.Kind, r.Name
			break
		}
	}
	var d DaemonSet
	k.Spec.apply(&d)
	p.RequiredNodeAffinity = d.RequiredNodeAffinity
	for _, c := range k.Status.Conditions {
		if c.Type == "Ready" {
			p.Ready = &PodCondition{Status: c.Status}
			if c.LastTransitionTime != nil {
				p.Ready.LastTransitionTime = *c.LastTransitionTime
			}
			break
		}
	}
	if k.Metadata.CreationTimestamp != nil {
		p.CreationTimestamp = *k.Metadata.CreationTimestamp
	}
	return p
}

// podAsDaemonSet stands a pod's placement fields in for a DaemonSet's
// template, to ask the engine about its required node affinity.
func (p *kubePod) podAsDaemonSet() *DaemonSet {
	d := &DaemonSet{Name: "pod", Namespace: "pod"}
	p.Spec.apply(d)
	return d
}

func readJSON(t *testing.T, path string, v interface{}) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
