/* fuzz_config.c — the config file of `mzatlas batch` (mz_batch_config_load, INI).
 *
 * mz_batch_config_load takes a path, so the input is put in an anonymous memory file (memfd)
 * and read as /proc/self/fd/N: nothing touches the disk. Checks besides crashes and leaks: what
 * loads is consistent (every [year] has inputs, settings have names and values), and a failure
 * always comes with a complete error. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "mzatlas/mz_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-config", MFD_CLOEXEC);
        fuzz_assert(fd >= 0, "memfd_create");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    fuzz_fill_fd(fd, data, size);
    mz_error_t err;
    mz_batch_config_t *cfg = mz_batch_config_load(path, &err);
    fuzz_check_error(&err, cfg == NULL, "mz_batch_config_load");
    if (!cfg)
        return 0;
    for (size_t i = 0; i < cfg->nsettings; i++)
        fuzz_assert(cfg->settings[i].name && cfg->settings[i].value, "setting without a value");
    for (size_t i = 0; i < cfg->nyears; i++) {
        fuzz_assert(cfg->years[i].ninputs > 0, "[year] without inputs");
        for (size_t k = 0; k < cfg->years[i].ninputs; k++)
            fuzz_assert(cfg->years[i].inputs[k] != NULL, "input path missing");
    }
    for (size_t i = 0; i < cfg->ninputs; i++)
        fuzz_assert(cfg->inputs[i] != NULL, "input path missing");
    mz_batch_config_destroy(cfg);
    return 0;
}
