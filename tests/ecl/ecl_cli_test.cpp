// sifkit verify/stage --ecl: every mode allowing and refusing, which group an image belongs to
// (exact dirpath, the empty-dirpath fallback, no group, symbolic links), an inactive list, and
// malformed files reported on one line naming the file and the line.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>

#include "sifkit/test/support.hpp"

namespace fs = std::filesystem;
namespace t = sifkit::test;

namespace {

constexpr int kRefused = 14;  // docs/cli.md: refused by the ECL

t::RunResult run_sifkit(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {t::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return t::run(argv);
}

void require_ok(const t::RunResult& r) {
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
}

std::string last_line(const std::string& text) {
    const std::string trimmed = text.ends_with('\n') ? text.substr(0, text.size() - 1) : text;
    return trimmed.substr(trimmed.rfind('\n') + 1);
}

fs::path fixtures() {
    return t::repo_root() / "tests/fixtures";
}

// Images in two directories, signed by generated DSSE keys k1, k2 (k3 signs nothing):
//   images/two.sif   group 1 signed by k1 and k2, group 2 by k1 only
//   images/one.sif   one group signed by k1 and k2
//   images/pgp.sif   the repository's OpenPGP fixture (ed25519-throwaway key)
//   images/plain.sif unsigned
//   other/two.sif    a copy of images/two.sif elsewhere
struct Site {
    t::TempDir tmp{"sifkit-ecl"};
    fs::path images;
    fs::path other;
    std::map<std::string, std::string> values;

    Site() {
        fs::create_directories(tmp / "images");
        fs::create_directories(tmp / "other");
        images = fs::canonical(tmp / "images");
        other = fs::canonical(tmp / "other");
        for (const char* k : {"k1", "k2", "k3"}) {
            require_ok(run_sifkit({"key", "generate", (tmp / k).string()}));
            const auto id =
                run_sifkit({"key", "fingerprint", (tmp / (std::string(k) + ".pub")).string()});
            require_ok(id);
            values["@" + std::string(1, static_cast<char>(std::toupper(k[0]))) + k[1] + "@"] =
                id.out.substr(0, id.out.find('\n'));
        }
        values["@IMAGES@"] = images.string();
        values["@OTHER@"] = other.string();
        values["@PGP@"] = "acda783e6bf92b6d3789c166eff4766457e482e1";
        t::write_file(tmp / "a", "first object\n");
        t::write_file(tmp / "b", "second object\n");
        make(images / "plain.sif", 2);
        make(images / "two.sif", 2);
        require_ok(run_sifkit({"sign", (images / "two.sif").string(), "--key", key("k1"), "--key",
                               key("k2"), "--group", "1"}));
        require_ok(run_sifkit(
            {"sign", (images / "two.sif").string(), "--key", key("k1"), "--group", "2"}));
        make(images / "one.sif", 1);
        require_ok(run_sifkit(
            {"sign", (images / "one.sif").string(), "--key", key("k1"), "--key", key("k2")}));
        fs::copy_file(images / "two.sif", other / "two.sif");
        fs::copy_file(fixtures() / "sign/one-group-signed-pgp-ed25519.sif", images / "pgp.sif");
        fs::copy_file(fixtures() / "sign/one-group-signed-pgp-ed25519.sif", other / "pgp.sif");
    }

    std::string key(const std::string& name) const { return (tmp / (name + ".key")).string(); }

    void make(const fs::path& image, int groups) const {
        require_ok(run_sifkit({"new", image.string()}));
        require_ok(run_sifkit(
            {"add", image.string(), (tmp / "a").string(), "--datatype", "7", "--groupid", "1"}));
        if (groups == 2) {
            require_ok(run_sifkit({"add", image.string(), (tmp / "b").string(), "--datatype", "7",
                                   "--groupid", "2"}));
        }
    }

    // The fixture with its placeholders filled in, written next to the images.
    fs::path ecl(const std::string& name) const {
        std::string text = t::read_file(fixtures() / "ecl" / name);
        for (const auto& [placeholder, value] : values) {
            for (auto at = text.find(placeholder); at != std::string::npos;
                 at = text.find(placeholder, at + value.size())) {
                text.replace(at, placeholder.size(), value);
            }
        }
        const fs::path out = tmp / name;
        t::write_file(out, text);
        return out;
    }

    // verify --ecl with every generated key and the OpenPGP fixture key trusted.
    t::RunResult verify(const std::string& ecl_name, const fs::path& image,
                        std::vector<std::string> extra = {}) const {
        std::vector<std::string> args = {
            "verify",
            "--ecl",
            ecl(ecl_name).string(),
            image.string(),
            "--key",
            (tmp / "k1.pub").string(),
            "--key",
            (tmp / "k2.pub").string(),
            "--key",
            (tmp / "k3.pub").string(),
            "--key",
            (fixtures() / "sign/ed25519-throwaway-public.asc").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_sifkit(args);
    }

    // The report's ECL line ("ecl: ...").
    static std::string ecl_line(const t::RunResult& r) {
        const auto at = r.out.find("\necl: ");
        return at == std::string::npos ? std::string()
                                       : r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    }
};

}  // namespace

TEST_CASE("whitelist: one listed signer that signed every group", "[cli]") {
    Site s;
    const auto allowed = s.verify("whitelist-k1.toml", s.images / "two.sif");
    INFO(allowed.describe() << allowed.out);
    CHECK(allowed.exit_code == 0);
    CHECK(Site::ecl_line(allowed) ==
          "ecl: verified (ECL " + (s.tmp / "whitelist-k1.toml").string() +
              ": execgroup 'site' (whitelist, dirpath " + s.images.string() +
              ", line 3): signed by listed " + s.values["@K1@"] + ")");

    // k2 signed group 1 only: for Apptainer's whitelist a signer counts when it signed all.
    const auto refused = s.verify("whitelist.toml", s.images / "two.sif");
    INFO(refused.describe() << refused.out);
    CHECK(refused.exit_code == kRefused);
    CHECK(Site::ecl_line(refused) ==
          "ecl: refused (ECL " + (s.tmp / "whitelist.toml").string() +
              ": execgroup 'site' (whitelist, dirpath " + s.images.string() +
              ", line 4): no listed signer signed every group (listed: " + s.values["@K2@"] + ", " +
              s.values["@K3@"] + "))");
    CHECK(last_line(refused.out) == (s.images / "two.sif").string() + ": refused");

    CHECK(s.verify("whitelist.toml", s.images / "one.sif").exit_code == 0);
}

TEST_CASE("whitestrict: every listed signer in every group", "[cli]") {
    Site s;
    const auto allowed = s.verify("whitestrict.toml", s.images / "one.sif");
    INFO(allowed.describe() << allowed.out);
    CHECK(allowed.exit_code == 0);
    CHECK(Site::ecl_line(allowed).ends_with(": signed by every listed signer)"));

    // Signed by k1 and k2, k2 unlisted: whitestrict does not ask for every signature.
    CHECK(s.verify("whitestrict-k1.toml", s.images / "one.sif").exit_code == 0);
    CHECK(s.verify("whitestrict-k1.toml", s.images / "two.sif").exit_code == 0);

    const auto refused = s.verify("whitestrict.toml", s.images / "two.sif");
    INFO(refused.describe() << refused.out);
    CHECK(refused.exit_code == kRefused);
    CHECK(Site::ecl_line(refused).ends_with(
        "execgroup 'strict' (whitestrict, dirpath " + s.images.string() +
        ", line 4): every listed signer must sign every group; missing " + s.values["@K2@"] + ")"));
}

TEST_CASE("blacklist: no listed signer in any group", "[cli]") {
    Site s;
    // k2 signed only group 1 of two.sif: enough to refuse it.
    const auto refused = s.verify("blacklist.toml", s.images / "two.sif");
    INFO(refused.describe() << refused.out);
    CHECK(refused.exit_code == kRefused);
    CHECK(Site::ecl_line(refused).ends_with("execgroup 'banned' (blacklist, dirpath " +
                                            s.images.string() + ", line 4): signed by forbidden " +
                                            s.values["@K2@"] + ")"));
    const auto allowed = s.verify("blacklist.toml", s.images / "pgp.sif");
    INFO(allowed.describe() << allowed.out);
    CHECK(allowed.exit_code == 0);
    CHECK(Site::ecl_line(allowed).ends_with(": signed by no listed signer)"));
    // The ECL narrows verification, never replaces it: an unsigned image is still not signed.
    CHECK(s.verify("blacklist.toml", s.images / "plain.sif").exit_code == 10);
}

TEST_CASE("keyfp: Apptainer's OpenPGP fingerprints, compared without regard to case", "[cli]") {
    Site s;
    const auto allowed = s.verify("pgp.toml", s.images / "pgp.sif");
    INFO(allowed.describe() << allowed.out);
    CHECK(allowed.exit_code == 0);
    CHECK(Site::ecl_line(allowed).find("execgroup 'pgp-site'") != std::string::npos);
    const auto refused = s.verify("pgp.toml", s.other / "pgp.sif");
    INFO(refused.describe() << refused.out);
    CHECK(refused.exit_code == kRefused);
    CHECK(Site::ecl_line(refused).ends_with(
        "execgroup 'pgp-banned' (blacklist, dirpath " + s.other.string() +
        ", line 10): signed by forbidden acda783e6bf92b6d3789c166eff4766457e482e1)"));
    // A DSSE image in the whitelisted directory has no listed OpenPGP signer.
    CHECK(s.verify("pgp.toml", s.images / "two.sif").exit_code == kRefused);
}

TEST_CASE("the group of an image: its resolved directory, exactly", "[cli]") {
    Site s;
    // Outside every group.
    const auto outside = s.verify("whitelist-k1.toml", s.other / "two.sif");
    INFO(outside.describe() << outside.out);
    CHECK(outside.exit_code == kRefused);
    CHECK(Site::ecl_line(outside) == "ecl: refused (ECL " + (s.tmp / "whitelist-k1.toml").string() +
                                         ": directory " + s.other.string() +
                                         " is in no execgroup (no dirpath is it, none is empty))");
    // A subdirectory of a dirpath is not in its group.
    fs::create_directories(s.images / "sub");
    fs::copy_file(s.images / "two.sif", s.images / "sub/two.sif");
    CHECK(s.verify("whitelist-k1.toml", s.images / "sub/two.sif").exit_code == kRefused);
    // The empty dirpath takes what no dirpath names, even when listed first.
    const auto fallback = s.verify("fallback.toml", s.other / "two.sif");
    INFO(fallback.describe() << fallback.out);
    CHECK(fallback.exit_code == kRefused);
    CHECK(Site::ecl_line(fallback).find(
              "execgroup 'anywhere' (whitelist, any directory, line 5)") != std::string::npos);
    CHECK(s.verify("fallback.toml", s.images / "two.sif").exit_code == 0);
    // Activated without groups: nothing runs (Apptainer's "not part of any execgroup").
    CHECK(s.verify("no-groups.toml", s.images / "two.sif").exit_code == kRefused);

    // A symbolic link is judged by where the image really is.
    fs::create_symlink(s.images / "two.sif", s.other / "link-in.sif");
    CHECK(s.verify("whitelist-k1.toml", s.other / "link-in.sif").exit_code == 0);
    fs::create_symlink(s.other / "two.sif", s.images / "link-out.sif");
    CHECK(s.verify("whitelist-k1.toml", s.images / "link-out.sif").exit_code == kRefused);
}

TEST_CASE("activated = false: the file is checked, every image allowed", "[cli]") {
    Site s;
    const auto r = s.verify("inactive.toml", s.images / "two.sif");
    INFO(r.describe() << r.out);
    CHECK(r.exit_code == 0);
    CHECK(Site::ecl_line(r) == "ecl: verified (ECL " + (s.tmp / "inactive.toml").string() +
                                   ": not activated, every image is allowed)");
}

TEST_CASE("--json: status refused and the ECL's finding", "[cli]") {
    Site s;
    const auto r = s.verify("blacklist.toml", s.images / "two.sif", {"--json"});
    INFO(r.describe() << r.out);
    CHECK(r.exit_code == kRefused);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["status"] == "refused");
    const auto& last = j["findings"].back();
    CHECK(last["task"] == "ecl");
    CHECK(last["status"] == "refused");
    CHECK(last["reason"].get<std::string>().find("execgroup 'banned'") != std::string::npos);
}

TEST_CASE("malformed ECL files: one line naming the file and the line", "[cli]") {
    Site s;
    struct Case {
        const char* file;
        int exit_code;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"malformed-syntax.toml", 4, "line 5: not valid TOML: "},
        {"malformed-unknown-key.toml", 4,
         "line 7: unknown key 'keyfps' in [[execgroup]] (known: tagname, mode, dirpath, keyfp, "
         "keyid, certsubject)"},
        {"malformed-mode.toml", 4,
         "line 5: mode \"graylist\": expected whitelist, whitestrict or blacklist"},
        {"malformed-fingerprint.toml", 4,
         "line 3: execgroup 'site': keyfp \"ACDA783E6BF92B6D\" is not an OpenPGP fingerprint "
         "(40 hex digits)"},
        {"malformed-dirpath.toml", 4,
         "line 3: execgroup 'site': dirpath \"" + s.images.string() +
             "/../images\" must be absolute, clean and without symbolic links (\"" +
             s.images.string() + "\")"},
        {"malformed-duplicate.toml", 4,
         "line 8: execgroup 'two': dirpath \"" + s.images.string() +
             "\" is already another group's"},
        {"malformed-type.toml", 4, "line 7: keyid must be an array of strings"},
        {"legacy.toml", 7, "line 2: legacyinsecure = true is not supported"},
    };
    for (const Case& c : cases) {
        const auto r = s.verify(c.file, s.images / "two.sif");
        INFO(c.file << ": " << r.describe());
        CHECK(r.exit_code == c.exit_code);
        CHECK(r.out.empty());
        const std::string expected = "sifkit: " + (s.tmp / c.file).string() + ": " + c.message;
        CHECK(r.err.starts_with(expected));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    // A dirpath through a symbolic link, or relative, could never equal a resolved directory.
    fs::create_directory_symlink(s.images, s.tmp / "via-link");
    for (const std::string& dirpath : {(s.tmp / "via-link").string(), std::string("images")}) {
        const fs::path file = s.tmp / "linked.toml";
        t::write_file(file, "activated = true\n[[execgroup]]\nmode = \"whitelist\"\ndirpath = \"" +
                                dirpath + "\"\n");
        const auto r =
            run_sifkit({"verify", "--ecl", file.string(), (s.images / "two.sif").string(), "--key",
                        (s.tmp / "k1.pub").string()});
        INFO(r.describe());
        CHECK(r.exit_code == 4);
        CHECK(r.err.find(file.string() + ": line 2: execgroup '': dirpath \"" + dirpath + "\"") !=
              std::string::npos);
    }

    // A missing file is an I/O error naming it.
    const auto missing =
        run_sifkit({"verify", "--ecl", (s.tmp / "absent.toml").string(),
                    (s.images / "two.sif").string(), "--key", (s.tmp / "k1.pub").string()});
    CHECK(missing.exit_code == 3);
    CHECK(missing.err.find((s.tmp / "absent.toml").string() + ": cannot open ECL file") !=
          std::string::npos);
    // The ECL judges every group: selecting some is a usage error.
    CHECK(s.verify("whitelist-k1.toml", s.images / "two.sif", {"--group", "1"}).exit_code == 2);
}

TEST_CASE("stage --ecl: a refused image is neither copied nor cached", "[cli]") {
    Site s;
    const std::string keys = (s.tmp / "k1.pub").string();
    const fs::path dest = s.tmp / "staged.sif";
    const auto refused = run_sifkit({"stage", "--ecl", s.ecl("blacklist.toml").string(),
                                     (s.images / "two.sif").string(), dest.string(), "--key", keys,
                                     "--key", (s.tmp / "k2.pub").string(), "--json"});
    INFO(refused.describe() << refused.out);
    CHECK(refused.exit_code == kRefused);
    CHECK(!fs::exists(dest));
    const auto j = nlohmann::json::parse(refused.out);
    CHECK(j["status"] == "refused");
    CHECK(j["refused_before_copy"] == true);
    CHECK(j["staged_to"] == "");

    const auto allowed =
        run_sifkit({"stage", "--ecl", s.ecl("whitelist-k1.toml").string(),
                    (s.images / "two.sif").string(), dest.string(), "--key", keys});
    INFO(allowed.describe() << allowed.out);
    CHECK(allowed.exit_code == 0);
    CHECK(fs::exists(dest));
    CHECK(last_line(allowed.out) == "staged to " + dest.string());

    // The cache: the directory that counts is the source's, not the cache's.
    const fs::path cache = s.tmp / "cache";
    const auto cached =
        run_sifkit({"stage", "--ecl", s.ecl("whitelist-k1.toml").string(),
                    (s.images / "two.sif").string(), "--cache-dir", cache.string(), "--key", keys});
    INFO(cached.describe() << cached.out);
    CHECK(cached.exit_code == 0);
    // The same bytes, already in the cache, from a directory outside every group.
    const auto elsewhere =
        run_sifkit({"stage", "--ecl", s.ecl("whitelist-k1.toml").string(),
                    (s.other / "two.sif").string(), "--cache-dir", cache.string(), "--key", keys});
    INFO(elsewhere.describe() << elsewhere.out);
    CHECK(elsewhere.exit_code == kRefused);
    CHECK(elsewhere.out.find("is in no execgroup") != std::string::npos);
}

TEST_CASE("the reference's golden images, signed with its test keys", "[upstream]") {
    Site s;
    const fs::path upstream = t::shared_dir() / "fixtures/upstream-sif";
    const auto id =
        run_sifkit({"key", "fingerprint", (upstream / "keys/ed25519-public.pem").string()});
    require_ok(id);
    s.values["@ED25519@"] = id.out.substr(0, id.out.find('\n'));
    fs::copy_file(upstream / "images/two-groups-signed-pgp.sif", s.images / "pgp2.sif");
    fs::copy_file(upstream / "images/one-group-signed-dsse.sif", s.other / "dsse.sif");
    const fs::path ecl = s.ecl("upstream.toml");
    const auto pgp = run_sifkit({"verify", "--ecl", ecl.string(), (s.images / "pgp2.sif").string(),
                                 "--key", (fixtures() / "sign/unit-test-public.asc").string()});
    INFO(pgp.describe() << pgp.out);
    CHECK(pgp.exit_code == 0);
    CHECK(Site::ecl_line(pgp).ends_with("execgroup 'reference-pgp' (whitestrict, dirpath " +
                                        s.images.string() +
                                        ", line 6): signed by every listed signer)"));
    std::vector<std::string> dsse = {"verify", "--ecl", ecl.string(),
                                     (s.other / "dsse.sif").string()};
    for (const char* key : {"ed25519", "ecdsa", "rsa"}) {
        dsse.insert(dsse.end(),
                    {"--key", (upstream / "keys" / (std::string(key) + "-public.pem")).string()});
    }
    const auto refused = run_sifkit(dsse);
    INFO(refused.describe() << refused.out);
    CHECK(refused.exit_code == kRefused);
    CHECK(Site::ecl_line(refused).ends_with(
        "execgroup 'no-reference-ed25519' (blacklist, dirpath " + s.other.string() +
        ", line 12): signed by forbidden " + s.values["@ED25519@"] + ")"));
}
