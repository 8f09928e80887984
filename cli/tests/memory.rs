//! Issue 14 item 2: memory per input byte. JSON is read as a stream of typed
//! objects, without what dsr does not read: the loader's heap peak (counted by the
//! CLI's global allocator) stays within 4 bytes per input byte. One test, so that
//! no other test of this binary allocates while it measures.

use dsr_cli::load::{objects_from_bytes, Limits, Objects};
use serde_json::{json, Value};

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": name, "labels": {"kubernetes.io/os": "linux", "kubernetes.io/hostname": name}}})
}

fn list(items: Vec<Value>) -> String {
    json!({"apiVersion": "v1", "items": items, "kind": "List"}).to_string()
}

/// Loads `text` and returns the objects and the heap peak per input byte.
fn load(text: &str) -> (Objects, f64) {
    let before = dsr_cli::bench::heap_in_use();
    dsr_cli::bench::heap_peak();
    let objects = objects_from_bytes(text.as_bytes(), &Limits::default()).unwrap();
    let peak = dsr_cli::bench::heap_peak().saturating_sub(before);
    let per_byte = peak as f64 / text.len() as f64;
    println!(
        "{} input bytes, heap peak {peak} bytes: {per_byte:.2} per byte",
        text.len()
    );
    (objects, per_byte)
}

#[test]
fn the_loader_holds_at_most_four_bytes_per_input_byte() {
    // Nodes and pods as `kubectl get -o json` prints them (managed fields, status,
    // container specs).
    let (objects, per_byte) = load(&kubectl_dump());
    assert_eq!((objects.nodes.len(), objects.pods.len()), (300, 3000));
    assert!(
        per_byte <= 4.0,
        "{per_byte:.2} bytes of heap per input byte"
    );
    // A field dsr never reads is skipped as it is read, however large: a million
    // numbers would take 32 bytes each as JSON values.
    let mut n = node("n1");
    n["spec"] = json!({"podCIDRs": vec![1; 1 << 20]});
    n["extra"] = json!(vec![1; 1 << 20]);
    let (objects, per_byte) = load(&list(vec![n]));
    assert_eq!(objects.nodes.len(), 1);
    assert!(
        per_byte <= 1.0,
        "{per_byte:.2} bytes of heap per input byte"
    );
}

/// A kubectl-like dump of 300 nodes and 3,000 pods.
fn kubectl_dump() -> String {
    let managed = json!([{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet",
        "operation": "Update", "subresource": "status", "time": "2024-03-01T10:00:30Z",
        "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"Ready\"}": {".": {},
            "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
            "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:startTime": {}}}}]);
    let mut items = Vec::new();
    for i in 0..300 {
        let name = format!("ip-10-0-{}-{}.ec2.internal", i / 256, i % 256);
        let mut n = node(&name);
        n["metadata"]["annotations"] = json!({"node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true"});
        n["metadata"]["managedFields"] = managed.clone();
        n["status"] = json!({"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "allocatable": {"cpu": "3920m", "memory": "15Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                            "message": "kubelet is posting ready status",
                            "lastHeartbeatTime": "2024-03-01T10:00:00Z",
                            "lastTransitionTime": "2024-02-01T10:00:00Z"}],
            "images": [{"names": ["example.com/agent@sha256:0123456789abcdef", "example.com/agent:1.0"], "sizeBytes": 12345678}],
            "nodeInfo": {"kubeletVersion": "v1.29.1", "osImage": "Amazon Linux 2", "architecture": "amd64",
                         "containerRuntimeVersion": "containerd://1.7.11", "kernelVersion": "5.10.205",
                         "operatingSystem": "linux", "machineID": "ec2", "systemUUID": "ec2", "bootID": "b",
                         "kubeProxyVersion": "v1.29.1"}});
        items.push(n);
    }
    for i in 0..3000 {
        items.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("agent-{i:05}"), "namespace": "kube-system",
                         "uid": format!("3f1c2e4a-8b7d-4c6e-9a0f-{i:012}"),
                         "labels": {"app": "agent", "controller-revision-hash": "5d4f8b7c9", "pod-template-generation": "1"},
                         "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-03-01T09:00:00Z"},
                         "creationTimestamp": "2024-03-01T10:00:00Z", "generateName": "agent-",
                         "resourceVersion": "123456", "managedFields": managed.clone(),
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent",
                                              "uid": "uid-agent", "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"nodeName": format!("node-{i}"),
                     "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [format!("node-{i}")]}]}]}}},
                     "containers": [{"name": "agent", "image": "example.com/agent:1.0", "imagePullPolicy": "IfNotPresent",
                     "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                     "volumeMounts": [{"name": "varlog", "mountPath": "/var/log"},
                                      {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
                     "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
                     "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}}],
                     "tolerations": [{"operator": "Exists"}], "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                     "schedulerName": "default-scheduler", "serviceAccountName": "agent", "terminationGracePeriodSeconds": 30},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "hostIP": "10.0.0.2", "qosClass": "Burstable",
                       "startTime": "2024-03-01T10:00:00Z",
                       "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-03-01T10:00:30Z"},
                                      {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2024-03-01T10:00:00Z"}],
                       "containerStatuses": [{"name": "agent", "ready": true, "restartCount": 0, "started": true,
                           "image": "example.com/agent:1.0", "imageID": "example.com/agent@sha256:0123456789abcdef",
                           "containerID": "containerd://0123456789abcdef0123456789abcdef",
                           "state": {"running": {"startedAt": "2024-03-01T10:00:20Z"}}}]}}));
    }
    list(items)
}
