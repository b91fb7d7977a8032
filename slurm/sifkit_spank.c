/*
 * sifkit_spank.c -- a Slurm SPANK plugin that starts a job step only with a verified image.
 *
 *   srun   --sif-image=PATH ...      sbatch --sif-image=PATH ...      salloc --sif-image=PATH ...
 *
 * On every node of the step, once, before any task starts, the image is staged into a
 * root-owned node-local cache and verified against the site's trusted keys by `sifkit stage`;
 * the tasks then find the verified copy in SIFKIT_IMAGE. When it does not verify, no task
 * starts: each fails with a message in the job's output saying why.
 *
 * plugstack.conf (one line; docs/slurm.md explains every argument):
 *   required /usr/local/lib/slurm/sifkit_spank.so trusted_keys=/etc/sifkit/keys require=any
 *            sifkit=/usr/local/bin/sifkit cache_dir=/var/cache/sifkit rehash=no timeout=0
 *            kill_after=10 max_size=0 ecl=/etc/sifkit/ecl.toml
 *
 * Design:
 * - The cryptography runs in a helper process (exec of `sifkit stage`), so slurmstepd never
 *   loads OpenSSL or libsodium and a crash or hang of the helper cannot corrupt it.
 * - The image is opened in slurm_spank_user_init, where slurmstepd acts as the job's user (its
 *   effective uid, groups and working directory): the user can only stage what the user may
 *   read. The helper inherits that descriptor and runs as root, so that the cached copy belongs
 *   to root and the user cannot change it after it was verified.
 * - Copies go to CACHE_DIR/UID/ (created here: root-owned, mode 0711), shared by that user's
 *   steps and jobs on the node, never with other users.
 * - The user chooses what is staged into a root-owned directory, so nothing the user controls
 *   may make the helper use that disk for long: images above max_size are refused before the
 *   helper starts, the helper refuses unsigned or untrusted images before copying a byte, and
 *   a helper that outlives timeout gets SIGTERM (on which sifkit removes its temporary copy)
 *   and, kill_after seconds later, SIGKILL (the next stage in the directory removes what a
 *   killed one left).
 */
#define _GNU_SOURCE /* pipe2, setresuid, close_range */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

SPANK_PLUGIN(sifkit, 1)

#ifndef SIFKIT_DEFAULT_BIN
#define SIFKIT_DEFAULT_BIN "/usr/local/bin/sifkit"
#endif

#define LOG_PREFIX "sifkit_spank: "
/* The helper's output kept for messages; a report holds a few lines per signature. */
#define OUTPUT_LIMIT 16384

struct config {
    char sifkit[PATH_MAX];
    char trusted_keys[PATH_MAX];
    char cache_dir[PATH_MAX];
    char require[8];
    int rehash;
    int timeout;                 /* seconds, 0 = none */
    int kill_after;              /* seconds between SIGTERM and SIGKILL after the timeout */
    unsigned long long max_size; /* bytes, 0 = none */
    char ecl[PATH_MAX];          /* execution control list; empty = none */
};

static struct config cfg;
static char* image;                /* the --sif-image value; NULL when not given */
static char staged[PATH_MAX];      /* the verified copy, set by user_init */
static char cache_line[512];       /* what the cache did ("cache: copied ..."), for the log */
static char failure[OUTPUT_LIMIT]; /* why staging failed, printed by task_init */
static int failed;

/* The value is not called optarg: that is getopt's global, which <unistd.h> declares. */
static int image_opt(int val, const char* value, int remote) {
    (void)val;
    (void)remote;
    if (!value || !*value) {
        slurm_error(LOG_PREFIX "--sif-image needs the PATH of a SIF image");
        return -1;
    }
    if (strchr(value, '\n')) {
        slurm_error(LOG_PREFIX "--sif-image: the path must not contain a newline");
        return -1;
    }
    free(image);
    image = strdup(value);
    return image ? 0 : -1;
}

static struct spank_option image_option = {
    "sif-image",
    "PATH",
    "Stage the SIF image PATH to node-local storage and verify it against the site's trusted "
    "keys before the step starts; the tasks find the verified copy in SIFKIT_IMAGE.",
    1,
    0,
    image_opt};

static int copy_value(char* dst, size_t size, const char* value, const char* name) {
    if (strlen(value) >= size) {
        slurm_error(LOG_PREFIX "plugstack.conf: %s is too long", name);
        return -1;
    }
    strcpy(dst, value);
    return 0;
}

static int parse_yes_no(const char* value, int* out, const char* name) {
    if (!strcmp(value, "yes") || !strcmp(value, "1") || !strcmp(value, "true")) {
        *out = 1;
    } else if (!strcmp(value, "no") || !strcmp(value, "0") || !strcmp(value, "false")) {
        *out = 0;
    } else {
        slurm_error(LOG_PREFIX "plugstack.conf: %s=%s: expected yes or no", name, value);
        return -1;
    }
    return 0;
}

static int parse_seconds(const char* value, int* out, const char* name) {
    char* end;
    const long t = strtol(value, &end, 10);
    if (!*value || *end || t < 0 || t > 86400) {
        slurm_error(LOG_PREFIX "plugstack.conf: %s=%s: expected seconds", name, value);
        return -1;
    }
    *out = (int)t;
    return 0;
}

/* Bytes, or a number with K, M, G or T (powers of 1024), as sifkit's --max-size. */
static int parse_size(const char* value, unsigned long long* out, const char* name) {
    char* end;
    unsigned long long unit = 1;
    errno = 0;
    const unsigned long long n = strtoull(value, &end, 10);
    if (*end == 'K' || *end == 'k')
        unit = 1ULL << 10;
    else if (*end == 'M' || *end == 'm')
        unit = 1ULL << 20;
    else if (*end == 'G' || *end == 'g')
        unit = 1ULL << 30;
    else if (*end == 'T' || *end == 't')
        unit = 1ULL << 40;
    if (unit != 1)
        end++;
    if (*value < '0' || *value > '9' || *end || errno || n > (1ULL << 50) / unit) {
        slurm_error(LOG_PREFIX "plugstack.conf: %s=%s: expected a size (bytes, or K, M, G, T)",
                    name, value);
        return -1;
    }
    *out = n * unit;
    return 0;
}

/* Every argument is checked: a typo must not silently weaken the site's policy. */
static int parse_config(int ac, char** av) {
    memset(&cfg, 0, sizeof cfg);
    cfg.kill_after = 10;
    strcpy(cfg.sifkit, SIFKIT_DEFAULT_BIN);
    strcpy(cfg.cache_dir, "/var/cache/sifkit");
    strcpy(cfg.require, "any");
    for (int i = 0; i < ac; i++) {
        const char* eq = strchr(av[i], '=');
        if (!eq) {
            slurm_error(LOG_PREFIX "plugstack.conf: argument '%s' is not NAME=VALUE", av[i]);
            return -1;
        }
        const size_t n = (size_t)(eq - av[i]);
        const char* value = eq + 1;
        int rc;
        if (n == 6 && !strncmp(av[i], "sifkit", n)) {
            rc = copy_value(cfg.sifkit, sizeof cfg.sifkit, value, "sifkit");
        } else if (n == 12 && !strncmp(av[i], "trusted_keys", n)) {
            rc = copy_value(cfg.trusted_keys, sizeof cfg.trusted_keys, value, "trusted_keys");
        } else if (n == 9 && !strncmp(av[i], "cache_dir", n)) {
            rc = copy_value(cfg.cache_dir, sizeof cfg.cache_dir, value, "cache_dir");
        } else if (n == 7 && !strncmp(av[i], "require", n)) {
            rc = strcmp(value, "any") && strcmp(value, "all") ? -1 : 0;
            if (rc)
                slurm_error(LOG_PREFIX "plugstack.conf: require=%s: expected any or all", value);
            else
                strcpy(cfg.require, value);
        } else if (n == 6 && !strncmp(av[i], "rehash", n)) {
            rc = parse_yes_no(value, &cfg.rehash, "rehash");
        } else if (n == 7 && !strncmp(av[i], "timeout", n)) {
            rc = parse_seconds(value, &cfg.timeout, "timeout");
        } else if (n == 10 && !strncmp(av[i], "kill_after", n)) {
            rc = parse_seconds(value, &cfg.kill_after, "kill_after");
        } else if (n == 8 && !strncmp(av[i], "max_size", n)) {
            rc = parse_size(value, &cfg.max_size, "max_size");
        } else if (n == 3 && !strncmp(av[i], "ecl", n)) {
            rc = copy_value(cfg.ecl, sizeof cfg.ecl, value, "ecl");
        } else {
            slurm_error(LOG_PREFIX "plugstack.conf: unknown argument '%s'", av[i]);
            rc = -1;
        }
        if (rc)
            return -1;
    }
    if (!cfg.trusted_keys[0]) {
        slurm_error(LOG_PREFIX "plugstack.conf: trusted_keys=FILE|DIR is required");
        return -1;
    }
    if (cfg.sifkit[0] != '/' || cfg.trusted_keys[0] != '/' || cfg.cache_dir[0] != '/' ||
        (cfg.ecl[0] && cfg.ecl[0] != '/')) {
        slurm_error(LOG_PREFIX
                    "plugstack.conf: sifkit, trusted_keys, cache_dir and ecl must be "
                    "absolute paths");
        return -1;
    }
    return 0;
}

int slurm_spank_init(spank_t sp, int ac, char** av) {
    /* Registered in every context (srun, sbatch/salloc, slurmstepd), as SPANK requires. */
    if (spank_option_register(sp, &image_option) != ESPANK_SUCCESS) {
        slurm_error(LOG_PREFIX "cannot register --sif-image");
        return -1;
    }
    return spank_remote(sp) ? parse_config(ac, av) : 0;
}

static void set_failure(const char* format, ...) __attribute__((format(printf, 1, 2)));
static void set_failure(const char* format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(failure, sizeof failure, format, args);
    va_end(args);
    failed = 1;
}

/* What an exit status of `sifkit stage` means (docs/cli.md). */
static const char* verdict(int status) {
    switch (status) {
        case 10:
            return "the image is not signed";
        case 11:
            return "a signature is invalid or the image was changed after it was signed";
        case 12:
            return "the image is not signed by a key this site trusts";
        case 14:
            return "the site's execution control list (ecl=) refuses the image";
        case 9:
            return "there is not enough space on this node's disk for the image, or it is larger "
                   "than max_size";
        /* Errors in the ecl= file share these codes with the image's: the helper's line below
         * names the file that is wrong. */
        case 4:
            return cfg.ecl[0] ? "the file is not a valid SIF image, or the site's ecl= list is "
                                "malformed"
                              : "the file is not a valid SIF image";
        case 3:
            return cfg.ecl[0] ? "the image could not be read or copied, or the site's ecl= list "
                                "could not be read"
                              : "the image could not be read or copied";
        default:
            return "sifkit stage failed";
    }
}

/* The helper's command line, made before the fork: after fork() in a multi-threaded process
 * (slurmstepd) the child may only call async-signal-safe functions, so no snprintf there. */
struct helper {
    char user_dir[PATH_MAX];
    char max_size[32];
    const char* argv[24];
};

static int prepare_helper(struct helper* h, uid_t uid) {
    int n = 0;
    if (snprintf(h->user_dir, sizeof h->user_dir, "%s/%u", cfg.cache_dir, (unsigned)uid) >=
        (int)sizeof h->user_dir)
        return -1;
    h->argv[n++] = cfg.sifkit;
    h->argv[n++] = "stage";
    h->argv[n++] = "--source-fd";
    h->argv[n++] = "3";
    h->argv[n++] = "--cache-dir";
    h->argv[n++] = h->user_dir;
    h->argv[n++] = "--keys-dir"; /* or --key: decided in the child, which can stat as root */
    h->argv[n++] = cfg.trusted_keys;
    h->argv[n++] = "--require";
    h->argv[n++] = cfg.require;
    if (cfg.rehash)
        h->argv[n++] = "--rehash";
    if (cfg.max_size) {
        /* Again in the helper: the file may grow after the plugin looked at it. */
        snprintf(h->max_size, sizeof h->max_size, "%llu", cfg.max_size);
        h->argv[n++] = "--max-size";
        h->argv[n++] = h->max_size;
    }
    if (cfg.ecl[0]) {
        /* sifkit stage judges the directory of the file it reads (descriptor 3), not the name
         * the user gave, so a symbolic link in a listed directory gains nothing. */
        h->argv[n++] = "--ecl";
        h->argv[n++] = cfg.ecl;
    }
    h->argv[n++] = "--";
    h->argv[n++] = image;
    h->argv[n] = NULL;
    return 0;
}

static void child_fail(const char* what) __attribute__((noreturn));
static void child_fail(const char* what) {
    const char* parts[] = {"sifkit_spank helper: ", what, "\n"};
    for (size_t i = 0; i < 3; i++)
        if (write(STDERR_FILENO, parts[i], strlen(parts[i])) < 0)
            break;
    _exit(125);
}

/* In the child, before exec: become root again (slurmstepd keeps root as its real and saved
 * uid while it acts as the user), prepare CACHE_DIR/UID, give the helper a clean signal state
 * and none of slurmstepd's descriptors. Async-signal-safe calls only. */
static void run_helper(struct helper* h, int image_fd, int out_fd) __attribute__((noreturn));
static void run_helper(struct helper* h, int image_fd, int out_fd) {
    struct stat keys;
    sigset_t none;

    /* Out of the way of 0-3 first, whatever numbers the two descriptors have. */
    const int source = fcntl(image_fd, F_DUPFD, 10);
    if (source < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0)
        _exit(125);
    if (seteuid(0) || setgroups(0, NULL) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
        child_fail("cannot become root again");
    umask(022);
    /* The users' directories are 0711: users open the copies in their own one by name. */
    if ((mkdir(cfg.cache_dir, 0755) && errno != EEXIST) ||
        (mkdir(h->user_dir, 0711) && errno != EEXIST))
        child_fail("cannot create the cache directory");
    if (stat(cfg.trusted_keys, &keys) == 0 && !S_ISDIR(keys.st_mode))
        h->argv[6] = "--key";
    if (dup2(source, 3) < 0) /* dup2 clears close-on-exec: the helper inherits it */
        _exit(125);
    if (close_range(4, ~0U, 0))
        for (int fd = 4; fd < 65536; fd++)
            close(fd);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0 && devnull != STDIN_FILENO) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    /* A blocked or ignored signal survives execve: the helper must stay killable by SIGTERM. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    const int signals[] = {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGALRM};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        signal(signals[i], SIG_DFL);
    /* A fixed environment: nothing of the job's or slurmd's reaches a root helper. */
    char* const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    execve(cfg.sifkit, (char* const*)h->argv, envp);
    child_fail("cannot execute the sifkit binary named by sifkit= in plugstack.conf");
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* How the helper's run ended, as far as the plugin ended it. */
enum ending { FINISHED, TERMINATED, KILLED };

/* Reads the helper's output until it closes it. At the timeout the helper gets SIGTERM, on
 * which sifkit removes its temporary copy and exits; kill_after seconds later, SIGKILL. Keeps
 * the first OUTPUT_LIMIT-1 bytes. */
static enum ending collect_output(int fd, pid_t pid, char* out, size_t size) {
    size_t used = 0;
    enum ending ending = FINISHED;
    double deadline = now() + cfg.timeout;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int wait_ms = -1;
        if (cfg.timeout > 0 && ending != KILLED) {
            const double left = deadline - now();
            if (left <= 0) {
                ending = ending == FINISHED ? TERMINATED : KILLED;
                kill(pid, ending == TERMINATED ? SIGTERM : SIGKILL);
                deadline = now() + cfg.kill_after;
                continue;
            }
            wait_ms = (int)(left * 1000) + 1;
        }
        const int r = poll(&p, 1, wait_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* the deadline check above decides */
        char chunk[4096];
        const ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return ending;
        const size_t keep = (size_t)got < size - 1 - used ? (size_t)got : size - 1 - used;
        memcpy(out + used, chunk, keep);
        used += keep;
        out[used] = '\0';
    }
}

/* The text after the last line of `out` that starts with `prefix`, into dst; -1 when none. */
static int find_line(const char* out, const char* prefix, char* dst, size_t size) {
    const char* line = NULL;
    for (const char* p = out; (p = strstr(p, prefix)); p++)
        if (p == out || p[-1] == '\n')
            line = p + strlen(prefix);
    if (!line)
        return -1;
    const size_t len = strcspn(line, "\n");
    if (len == 0 || len >= size)
        return -1;
    memcpy(dst, line, len);
    dst[len] = '\0';
    return 0;
}

/* The path after the last "staged to " line of the helper's output, into `staged`; it must be
 * a file of the user's cache directory `dir` (nothing else is ever exported). */
static int find_staged_path(const char* out, const char* dir) {
    const size_t n = strlen(dir);
    if (find_line(out, "staged to ", staged, sizeof staged))
        return -1;
    if (strncmp(staged, dir, n) || staged[n] != '/' || strchr(staged + n + 1, '/'))
        return -1;
    return 0;
}

/* Appends the helper's report to the failure message, one indented line per line. */
static void append_report(const char* report) {
    size_t used = strlen(failure);
    const char* line = report;
    while (*line && used + 1 < sizeof failure) {
        const size_t len = strcspn(line, "\n");
        const int w = snprintf(failure + used, sizeof failure - used, "\n  %.*s", (int)len, line);
        if (w < 0)
            break;
        used = strlen(failure);
        line += len;
        if (*line == '\n')
            line++;
    }
}

static void stage_image(spank_t sp) {
    char out[OUTPUT_LIMIT] = "";
    uid_t uid;
    int pipe_fds[2];
    struct stat info;

    if (spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS) {
        set_failure("cannot tell the job's user");
        return;
    }
    /* Opened here, as the job's user, in the job's working directory. O_NONBLOCK: a FIFO
     * must not hang slurmstepd. */
    const int fd = open(image, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        set_failure("--sif-image=%s: %s; the step does not start", image, strerror(errno));
        return;
    }
    if (fstat(fd, &info) || !S_ISREG(info.st_mode)) {
        set_failure("--sif-image=%s: not a regular file; the step does not start", image);
        close(fd);
        return;
    }
    if (cfg.max_size && (unsigned long long)info.st_size > cfg.max_size) {
        set_failure(
            "--sif-image=%s refused: %lld bytes is larger than this site stages "
            "(max_size=%llu bytes); the step does not start",
            image, (long long)info.st_size, cfg.max_size);
        close(fd);
        return;
    }
    if (pipe2(pipe_fds, O_CLOEXEC)) {
        set_failure("cannot create a pipe: %s", strerror(errno));
        close(fd);
        return;
    }
    struct helper h;
    if (prepare_helper(&h, uid)) {
        set_failure("cache_dir is too long");
        close(fd);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fds[0]);
        run_helper(&h, fd, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    close(fd);
    if (pid < 0) {
        set_failure("cannot fork the helper: %s", strerror(errno));
        close(pipe_fds[0]);
        return;
    }
    const enum ending ending = collect_output(pipe_fds[0], pid, out, sizeof out);
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            status = -1;
            break;
        }
    }
    if (ending != FINISHED) {
        const int by_term = ending == TERMINATED && status != -1 && WIFSIGNALED(status) &&
                            WTERMSIG(status) == SIGTERM;
        set_failure(
            "--sif-image=%s: staging took longer than timeout=%d s; %s; the step does "
            "not start",
            image, cfg.timeout,
            by_term            ? "sifkit stage was stopped with SIGTERM"
            : ending == KILLED ? "sifkit stage did not stop on SIGTERM and was killed (kill_after)"
                               : "sifkit stage was stopped");
    } else if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        /* sifkit names the copy by the directory's canonical path. */
        char dir[PATH_MAX];
        if (find_staged_path(out, realpath(h.user_dir, dir) ? dir : h.user_dir) == 0) {
            if (find_line(out, "cache: ", cache_line, sizeof cache_line))
                strcpy(cache_line, "?");
            return; /* verified: `staged` holds the copy */
        }
        set_failure("--sif-image=%s: sifkit stage named no copy in %s; the step does not start",
                    image, h.user_dir);
    } else if (status != -1 && WIFEXITED(status)) {
        set_failure("--sif-image=%s refused: %s (sifkit stage exit %d); the step does not start",
                    image, verdict(WEXITSTATUS(status)), WEXITSTATUS(status));
    } else {
        set_failure(
            "--sif-image=%s: the helper %s did not finish normally; the step does not start", image,
            cfg.sifkit);
    }
    append_report(out);
}

/* Once per step on each node, before the tasks are forked; slurmstepd acts as the job's
 * user here. The verdict is kept for task_init, which runs in each task and can report it
 * in the job's output. */
int slurm_spank_user_init(spank_t sp, int ac, char** av) {
    uint32_t step = 0;
    (void)ac;
    (void)av;
    if (!spank_remote(sp))
        return 0;
    if (spank_get_item(sp, S_JOB_STEPID, &step) == ESPANK_SUCCESS && step == SLURM_EXTERN_CONT)
        return 0;
    if (!image) {
        /* Only this plugin may say which image was verified. */
        spank_unsetenv(sp, "SIFKIT_IMAGE");
        return 0;
    }
    uint32_t job = 0;
    spank_get_item(sp, S_JOB_ID, &job);
    staged[0] = '\0';
    failed = 0;
    stage_image(sp);
    if (!failed && spank_setenv(sp, "SIFKIT_IMAGE", staged, 1) != ESPANK_SUCCESS)
        set_failure("cannot set SIFKIT_IMAGE");
    /* An audit trail in slurmd's log: which image each step ran, or why it did not run. */
    char step_name[16];
    if (step == SLURM_BATCH_SCRIPT)
        strcpy(step_name, "batch");
    else
        snprintf(step_name, sizeof step_name, "%u", step);
    if (failed)
        slurm_info(LOG_PREFIX "job %u step %s: %.*s", job, step_name, (int)strcspn(failure, "\n"),
                   failure);
    else
        slurm_info(LOG_PREFIX "job %u step %s: --sif-image=%s verified; %s; SIFKIT_IMAGE=%s", job,
                   step_name, image, cache_line, staged);
    return 0;
}

/* In each task, as the job's user, with the job's stdio: refuse the task when staging failed
 * (local task 0 says why, once per node). */
int slurm_spank_task_init(spank_t sp, int ac, char** av) {
    int task = 0;
    (void)ac;
    (void)av;
    if (!failed)
        return 0;
    if (spank_get_item(sp, S_TASK_ID, &task) != ESPANK_SUCCESS || task == 0) {
        /* One log call per line, so that each line carries Slurm's "error:" prefix. */
        for (const char* line = failure; *line;) {
            const size_t len = strcspn(line, "\n");
            slurm_error(LOG_PREFIX "%.*s", (int)len, line);
            line += len;
            if (*line == '\n')
                line++;
        }
    }
    return -1;
}
