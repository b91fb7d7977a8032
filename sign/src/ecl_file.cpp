// Reading ecl.toml: TOML by toml++ (Debian's libtomlplusplus), then Apptainer's ValidateConfig
// checks in its order, each failure one line naming the file and the line.
#include <toml++/toml.h>

#include <set>
#include <system_error>

#include "key_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/ecl.hpp"

namespace sifkit::sign {
namespace {

class Reader {
  public:
    explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const toml::source_region& where, const std::string& what) const {
        throw Error(ErrorKind::invalid_input,
                    "line " + std::to_string(where.begin.line) + ": " + what, file_.string());
    }

    bool boolean(const toml::node& node, const std::string& key) const {
        if (const auto* value = node.as_boolean()) {
            return value->get();
        }
        fail(node.source(), key + " must be true or false");
    }

    std::string string(const toml::node& node, const std::string& key) const {
        if (const auto* value = node.as_string()) {
            return value->get();
        }
        fail(node.source(), key + " must be a string");
    }

    std::vector<std::string> strings(const toml::node& node, const std::string& key) const {
        const auto* array = node.as_array();
        if (array == nullptr) {
            fail(node.source(), key + " must be an array of strings");
        }
        std::vector<std::string> out;
        for (const toml::node& element : *array) {
            out.push_back(string(element, key + " entry"));
        }
        return out;
    }

    EclGroup group(const toml::table& table) const {
        EclGroup group;
        group.line = table.source().begin.line;
        bool has_mode = false;
        for (const auto& [key, node] : table) {
            const std::string name(key.str());
            if (name == "tagname") {
                group.tagname = string(node, name);
            } else if (name == "mode") {
                has_mode = true;
                const std::string mode = string(node, name);
                if (mode == "whitelist") {
                    group.mode = EclMode::whitelist;
                } else if (mode == "whitestrict") {
                    group.mode = EclMode::whitestrict;
                } else if (mode == "blacklist") {
                    group.mode = EclMode::blacklist;
                } else {
                    fail(node.source(),
                         "mode \"" + mode + "\": expected whitelist, whitestrict or blacklist");
                }
            } else if (name == "dirpath") {
                group.dirpath = string(node, name);
            } else if (name == "keyfp") {
                group.keyfp = strings(node, name);
            } else if (name == "keyid") {
                group.keyid = strings(node, name);
            } else if (name == "certsubject") {
                group.certsubject = strings(node, name);
                for (const std::string& subject : group.certsubject) {
                    if (subject.empty()) {
                        fail(node.source(), "certsubject entries must not be empty");
                    }
                }
            } else {
                fail(key.source(), "unknown key '" + name +
                                       "' in [[execgroup]] (known: tagname, mode, dirpath, "
                                       "keyfp, keyid, certsubject)");
            }
        }
        if (!has_mode) {
            // Apptainer reads a missing mode as "" and refuses it.
            fail(table.source(), "[[execgroup]] has no mode (whitelist, whitestrict or blacklist)");
        }
        return group;
    }

    Ecl load() const {
        const std::string text = detail::read_small_file(file_, "ECL file");
        toml::table root;
        try {
            root = toml::parse(text, file_.string());
        } catch (const toml::parse_error& e) {
            fail(e.source(), "not valid TOML: " + std::string(e.description()));
        }
        Ecl ecl;
        ecl.file = file_;
        bool legacy = false;
        const toml::node* legacy_node = nullptr;
        for (const auto& [key, node] : root) {
            const std::string name(key.str());
            if (name == "activated") {
                ecl.activated = boolean(node, name);
            } else if (name == "legacyinsecure") {
                legacy = boolean(node, name);
                legacy_node = &node;
            } else if (name == "execgroup") {
                const auto* array = node.as_array();
                // An empty array is no group, as for Apptainer's reader.
                if (array == nullptr || (!array->empty() && !array->is_array_of_tables())) {
                    fail(node.source(), "execgroup must be tables ([[execgroup]])");
                }
                for (const toml::node& table : *array) {
                    ecl.groups.push_back(group(*table.as_table()));
                }
            } else {
                fail(key.source(), "unknown key '" + name +
                                       "' (known: activated, legacyinsecure, [[execgroup]])");
            }
        }
        if (legacy && ecl.activated) {
            throw Error(ErrorKind::unsupported,
                        "line " + std::to_string(legacy_node->source().begin.line) +
                            ": legacyinsecure = true is not supported: legacy SIFHASH "
                            "signatures leave the header and descriptors unprotected",
                        file_.string());
        }
        validate(ecl);
        return ecl;
    }

  private:
    // Apptainer's ValidateConfig, in its order, for every group.
    void validate(const Ecl& ecl) const {
        std::set<std::string> dirpaths;
        for (const EclGroup& group : ecl.groups) {
            const std::string at =
                "line " + std::to_string(group.line) + ": execgroup '" + group.tagname + "': ";
            if (!dirpaths.insert(group.dirpath).second) {
                throw Error(ErrorKind::invalid_input,
                            at + "dirpath \"" + group.dirpath + "\" is already another group's",
                            file_.string());
            }
            if (!group.dirpath.empty()) {
                // Images are matched by the resolved directory they are read from, so a dirpath
                // that is relative, unclean or through a symbolic link could never match.
                std::error_code error;
                const std::filesystem::path resolved =
                    std::filesystem::canonical(group.dirpath, error);
                if (error) {
                    throw Error(ErrorKind::invalid_input,
                                at + "dirpath \"" + group.dirpath + "\": " + error.message(),
                                file_.string());
                }
                if (resolved.string() != group.dirpath) {
                    throw Error(ErrorKind::invalid_input,
                                at + "dirpath \"" + group.dirpath +
                                    "\" must be absolute, clean and without symbolic links (\"" +
                                    resolved.string() + "\")",
                                file_.string());
                }
            }
            for (const std::string& fp : group.keyfp) {
                if (fp.size() != 40 ||
                    fp.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
                    throw Error(
                        ErrorKind::invalid_input,
                        at + "keyfp \"" + fp + "\" is not an OpenPGP fingerprint (40 hex digits)",
                        file_.string());
                }
            }
            for (const std::string& id : group.keyid) {
                if (!id.starts_with("SHA256:") || id.size() != 50) {
                    throw Error(ErrorKind::invalid_input,
                                at + "keyid \"" + id +
                                    "\" is not a DSSE key ID (SHA256: and 43 base64 characters, "
                                    "as `sifkit key fingerprint` prints it)",
                                file_.string());
                }
            }
        }
    }

    std::filesystem::path file_;
};

}  // namespace

Ecl Ecl::load(const std::filesystem::path& file) {
    return Reader(file).load();
}

}  // namespace sifkit::sign
