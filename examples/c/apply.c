/* Loads a DaemonSet and nodes from their JSON files (kubectl get -o json) and
 * prints, per node, whether the DaemonSet's pod should run there, and why not.
 *   apply DAEMONSET.json NODE.json...  */
#include <stdio.h>
#include <stdlib.h>
#include "dsr.h"

static dsr_applied apply(dsr_engine *e, const char *path) {
    static unsigned char json[1 << 20];
    FILE *f = fopen(path, "rb");
    size_t len = f ? fread(json, 1, sizeof json, f) : 0, n;
    dsr_applied a;
    char why[512];
    if (f) fclose(f);
    if (dsr_engine_apply(e, json, len, &a) != DSR_RESULT_OK) {
        dsr_engine_last_error(e, why, sizeof why, &n);
        fprintf(stderr, "%s: %s\n", path, why);
        exit(1);
    }
    return a;
}

int main(int argc, char **argv) {
    size_t align = dsr_engine_align(), size = (dsr_engine_size() + align - 1) / align * align, n;
    void *mem = aligned_alloc(align, size);
    dsr_engine *e;
    if (argc < 3 || dsr_engine_init(mem, size, &e) != DSR_RESULT_OK) return 2;
    uint32_t set = apply(e, argv[1]).id;
    for (int i = 2; i < argc; i++) {
        dsr_placement p;
        char name[256], why[512] = "eligible";
        uint32_t node = apply(e, argv[i]).id;
        dsr_engine_node_name(e, node, name, sizeof name, &n);
        dsr_engine_should_run(e, set, node, &p);
        if (!p.should_run) dsr_engine_describe(e, &p.reason, why, sizeof why, &n);
        printf("%-40s %-5s %s\n", name, p.should_run ? "runs" : p.should_continue_running ? "stays" : "no", why);
    }
    free(mem);
}
