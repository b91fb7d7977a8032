// Key files given to sign and verify the wrong way round, unreadable or encrypted: each refused
// in one line that says what the file is and what to give instead, and an encrypted key's
// passphrase asked for on a terminal.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;
using sifkit::test::write_file;

namespace {

struct Keys {
    sifkit::test::TempDir dir{"sifkit-keys"};
    fs::path image = dir / "image.sif";
    fs::path key = dir / "plain.key";
    fs::path pub = dir / "plain.pub";
    fs::path encrypted = dir / "locked.key";

    Keys() {
        sifkit::test::copy_file(upstream_images() / "one-group.sif", image);
        fs::permissions(image, fs::perms::owner_read | fs::perms::owner_write);
        write_file(dir / "pass.txt", "s3cret\n");
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"key", "generate", (dir / "plain").string()},
                 {"key", "generate", "--passphrase-file", (dir / "pass.txt").string(),
                  (dir / "locked").string()}}) {
            const auto r = run_sifkit(args);
            INFO(r.describe());
            REQUIRE(r.exit_code == 0);
        }
    }
};

// sifkit ARGS without a controlling terminal (setsid), as in a batch job: nothing can be asked.
RunResult without_terminal(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"setsid", "-w", sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv);
}

// sifkit ARGS on a new terminal (a pty): `answer` and a newline are typed once `prompt` shows.
RunResult on_terminal_answering(const std::vector<std::string>& args, const std::string& prompt,
                                const std::string& answer) {
    std::vector<std::string> argv{
        "python3",
        "-c",
        "import os, pty, signal, sys\n"
        "signal.alarm(60)\n"
        "prompt, answer = sys.argv[1].encode(), sys.argv[2].encode() + b'\\n'\n"
        "pid, fd = pty.fork()\n"
        "if pid == 0:\n"
        "    os.execv(sys.argv[3], sys.argv[3:])\n"
        "seen = b''\n"
        "while True:\n"
        "    try:\n"
        "        chunk = os.read(fd, 4096)\n"
        "    except OSError:\n"
        "        break\n"
        "    if not chunk:\n"
        "        break\n"
        "    seen += chunk\n"
        "    if prompt in seen and answer:\n"
        "        os.write(fd, answer)\n"
        "        answer = b''\n"
        "sys.stdout.write(seen.decode(errors='replace'))\n"
        "sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n",
        prompt,
        answer,
        sifkit::test::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return sifkit::test::run(argv);
}

void check_refused(const RunResult& r, int code, const std::string& line) {
    INFO(r.describe());
    CHECK(r.exit_code == code);
    CHECK(r.err == line + "\n");
}

}  // namespace

TEST_CASE("sign --key of a public key and verify --key of a private key say which it is",
          "[sign]") {
    Keys k;
    check_refused(run_sifkit({"sign", k.image.string(), "--key", k.pub.string()}), 4,
                  "sifkit: " + k.pub.string() + ": a public key; signing needs the private key");
    const auto signed_ok = run_sifkit({"sign", k.image.string(), "--key", k.key.string()});
    INFO(signed_ok.describe());
    REQUIRE(signed_ok.exit_code == 0);
    // Refused rather than used for its public half: a private key has no business on the
    // machines that only verify.
    for (const auto& command : {"verify", "stage"}) {
        std::vector<std::string> args{command, k.image.string()};
        if (std::string(command) == "stage") {
            args.push_back((k.dir / "staged.sif").string());
        }
        for (const auto& key : {k.key, k.encrypted}) {
            args.push_back("--key");
            args.push_back(key.string());
            check_refused(run_sifkit(args), 4,
                          "sifkit: " + key.string() +
                              ": a private key; verifying needs its public key (`openssl pkey "
                              "-in KEY -pubout` writes it)");
            args.resize(args.size() - 2);
        }
    }
    CHECK(run_sifkit({"verify", k.image.string(), "--key", k.pub.string()}).exit_code == 0);
}

TEST_CASE("an encrypted key asks for its passphrase on a terminal and is refused (8) without one",
          "[sign]") {
    Keys k;
    const auto image = k.image.string();
    const auto locked = k.encrypted.string();
    check_refused(without_terminal({"sign", image, "--key", locked}), 8,
                  "sifkit: " + locked + ": an encrypted private key, and no passphrase was given");
    write_file(k.dir / "wrong.txt", "guess\n");
    check_refused(run_sifkit({"sign", image, "--key", locked, "--passphrase-file",
                              (k.dir / "wrong.txt").string()}),
                  8, "sifkit: " + locked + ": wrong passphrase for the encrypted private key");

    const auto asked = on_terminal_answering({"sign", image, "--key", locked},
                                             "Passphrase for " + locked, "s3cret");
    INFO(asked.describe());
    CHECK(asked.exit_code == 0);
    CHECK(asked.out.find("Passphrase for " + locked + ": ") != std::string::npos);
    CHECK(asked.out.find("s3cret") == std::string::npos);  // not echoed
    CHECK(asked.out.find("signed 1 group(s)") != std::string::npos);
    CHECK(run_sifkit({"verify", image, "--key", k.pub.string()}).exit_code == 12);  // not this key
    CHECK(run_sifkit({"verify", image, "--key", (k.dir / "locked.pub").string()}).exit_code == 0);

    // key fingerprint asks the same way.
    const auto fingerprint = run_sifkit({"key", "fingerprint", (k.dir / "locked.pub").string()});
    REQUIRE(fingerprint.exit_code == 0);
    const auto asked_fingerprint =
        on_terminal_answering({"key", "fingerprint", locked}, "Passphrase for " + locked, "s3cret");
    INFO(asked_fingerprint.describe());
    CHECK(asked_fingerprint.exit_code == 0);
    CHECK(asked_fingerprint.out.ends_with(fingerprint.out.substr(0, fingerprint.out.size() - 1) +
                                          "\r\n"));
    check_refused(without_terminal({"key", "fingerprint", locked}), 8,
                  "sifkit: " + locked + ": an encrypted private key, and no passphrase was given");
}

TEST_CASE("an unreadable key file is refused with the reason", "[sign]") {
    Keys k;
    // Root reads any file: the check needs an ordinary user.
    const auto user = as_ordinary_user();
    if (!user) {
        WARN("skipped: running as root, and no user sifkitbuild (or setpriv) to drop to");
        return;
    }
    open_to_ordinary_user(k.dir.path(), {k.image, k.pub});
    fs::permissions(k.key, fs::perms::none);
    const auto run_as_user = [&](const std::vector<std::string>& args) {
        return run_sifkit_as(*user, args);
    };
    check_refused(run_as_user({"sign", k.image.string(), "--key", k.key.string()}), 3,
                  "sifkit: " + k.key.string() + ": cannot open key file: Permission denied");
    fs::permissions(k.pub, fs::perms::none);
    check_refused(run_as_user({"verify", k.image.string(), "--key", k.pub.string()}), 3,
                  "sifkit: " + k.pub.string() + ": cannot open key file: Permission denied");
}
