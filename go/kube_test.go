package dsr

// Kubernetes objects as the API serialises them (kubectl get -o json), as far
// as placement reads them, and their conversion to the binding's types.

import (
	"encoding/json"
	"os"
	"testing"
)

type kubeMeta struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	UID       string            `json:"uid"`
	Labels    map[string]string `json:"labels"`
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
	NodeName    string `json:"nodeName"`
	HostNetwork bool   `json:"hostNetwork"`
}

type kubeDaemonSet struct {
	Metadata kubeMeta `json:"metadata"`
	Spec     struct {
		Selector *kubeSelector `json:"selector"`
		Template struct {
			Metadata kubeMeta    `json:"metadata"`
			Spec     kubePodSpec `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type kubePod struct {
	Metadata kubeMeta    `json:"metadata"`
	Spec     kubePodSpec `json:"spec"`
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
	return d
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
