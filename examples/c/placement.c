/*
 * Where does the fluentd-elasticsearch DaemonSet (the Kubernetes docs'
 * example, tests/data/manifests/daemonsets/) run? Four nodes from
 * tests/data/manifests/nodes/, one decision each, with the reason.
 *
 *   cc -std=c11 -Iinclude examples/c/placement.c target/release/libdsr.a \
 *      -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o placement
 */
#include <stdio.h>
#include <stdlib.h>

#include "dsr.h"

#define STR(s) DSR_STR_LIT(s)

int main(void) {
    /* The engine lives in memory we give it. */
    size_t align = dsr_engine_align();
    size_t size = (dsr_engine_size() + align - 1) / align * align;
    void *mem = aligned_alloc(align, size);
    dsr_engine *engine = NULL;
    dsr_result r = mem ? dsr_engine_init(mem, size, &engine) : DSR_RESULT_NULL_POINTER;
    if (r != DSR_RESULT_OK) {
        fprintf(stderr, "dsr_engine_init: %s\n", dsr_result_str(r));
        return 1;
    }

    /* spec.selector.matchLabels, spec.template.metadata.labels, tolerations. */
    dsr_label app[] = {{STR("name"), STR("fluentd-elasticsearch")}};
    dsr_label_selector selector = {app, 1, NULL, 0};
    dsr_toleration master = {STR("node-role.kubernetes.io/master"), STR(""), STR(""),
                             STR("NoSchedule"), false, 0};
    dsr_daemon_set fluentd = DSR_DAEMON_SET_INIT; /* struct_size, zero = defaults */
    fluentd.name = (dsr_str)STR("fluentd-elasticsearch");
    fluentd.ns = (dsr_str)STR("kube-system");
    fluentd.selector = &selector;
    fluentd.template_labels = app;
    fluentd.template_labels_len = 1;
    fluentd.tolerations = &master;
    fluentd.tolerations_len = 1;
    uint32_t set;
    if ((r = dsr_engine_add_daemon_set(engine, &fluentd, &set)) != DSR_RESULT_OK) {
        fprintf(stderr, "add DaemonSet: %s\n", dsr_result_str(r));
        return 1;
    }

    /* Nodes: names, a few of their labels, all their taints. "stays": no new
     * pod, but one already there may stay (NoSchedule taints). */
    dsr_label arm64[] = {{STR("kubernetes.io/arch"), STR("arm64")}, {STR("kubernetes.io/os"), STR("linux")}};
    dsr_label amd64[] = {{STR("kubernetes.io/arch"), STR("amd64")}, {STR("kubernetes.io/os"), STR("linux")}};
    dsr_taint control_plane[] = {{STR("node-role.kubernetes.io/control-plane"), STR(""), STR("NoSchedule")}};
    dsr_taint not_ready[] = {{STR("node.kubernetes.io/not-ready"), STR(""), STR("NoSchedule")},
                             {STR("node.kubernetes.io/not-ready"), STR(""), STR("NoExecute")}};
    dsr_taint gpu[] = {{STR("nvidia.com/gpu"), STR("present"), STR("NoSchedule")}};
    dsr_node nodes[] = {
        {sizeof(dsr_node), STR("edge-rpi4-01"), arm64, 2, NULL, 0, false},
        {sizeof(dsr_node), STR("cp-1"), amd64, 2, control_plane, 1, false},
        {sizeof(dsr_node), STR("worker-notready"), amd64, 2, not_ready, 2, false},
        {sizeof(dsr_node), STR("gke-prod-gpu-pool-8d2e41c0-qm4z"), amd64, 2, gpu, 1, false},
    };

    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        uint32_t node;
        dsr_placement p;
        char why[256];
        size_t len;
        if ((r = dsr_engine_add_node(engine, &nodes[i], &node)) != DSR_RESULT_OK ||
            (r = dsr_engine_should_run(engine, set, node, &p)) != DSR_RESULT_OK ||
            (r = dsr_engine_describe(engine, &p.reason, why, sizeof why, &len)) != DSR_RESULT_OK) {
            fprintf(stderr, "%.*s: %s\n", (int)nodes[i].name.len, nodes[i].name.ptr, dsr_result_str(r));
            return 1;
        }
        printf("%-32.*s %-7s %s\n", (int)nodes[i].name.len, nodes[i].name.ptr,
               p.should_run ? "runs" : p.should_continue_running ? "stays" : "no", why);
    }
    free(mem);
    return 0;
}
