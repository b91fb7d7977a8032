// SCIF apps as Apptainer's build lays them out (internal/pkg/build/apps): for app NAME,
// /scif/apps/NAME/{bin,lib} for its programs, /scif/apps/NAME/scif for its metadata (env/,
// runscript, test, runscript.help, labels.json) and /scif/data/NAME/{input,output}; and
// /.singularity.d/env/94-appsbase.sh, which tells every shell where each app lives
// (SCIF_APPROOT_NAME...). `apptainer run --app NAME` and 95-apps.sh read these paths.
#include <map>

#include "labels_json.hpp"
#include "singularity_metadata.hpp"

namespace sifkit::oci2sif {
namespace {

using Type = MetadataEntry::Type;

MetadataEntry dir(std::string path) {
    return {std::move(path), Type::directory, 0755, {}, false};
}

MetadataEntry file(std::string path, std::string text, std::uint32_t mode) {
    return {std::move(path), Type::file, mode, std::move(text), false};
}

// Scripts get a /bin/sh line and a blank line before the section's text, as Apptainer writes
// %apprun and %apptest.
std::string sh_script(const std::string& body) {
    return "#!/bin/sh\n\n" + body + "\n";
}

// The app's own base environment, sourced by 95-apps.sh before its %appenv.
std::string app_base_env(const std::string& name) {
    const std::string root = "/scif/apps/" + name;
    return "#!/bin/sh\n"
           "# Written by sifkit, as Apptainer writes it: where app " +
           name +
           " keeps its files.\n"
           "SCIF_APPNAME=" +
           name + "\nSCIF_APPROOT=\"" + root + "\"\nSCIF_APPMETA=\"" + root +
           "/scif\"\nSCIF_DATA=\"/scif/data\"\nSCIF_APPDATA=\"/scif/data/" + name +
           "\"\nSCIF_APPINPUT=\"/scif/data/" + name + "/input\"\nSCIF_APPOUTPUT=\"/scif/data/" +
           name +
           "/output\"\n"
           "export SCIF_APPDATA SCIF_APPNAME SCIF_APPROOT SCIF_APPMETA SCIF_APPINPUT "
           "SCIF_APPOUTPUT SCIF_DATA\n";
}

// Variable names cannot hold every character an app name can: the others become '_'.
std::string variable_suffix(const std::string& name) {
    std::string out = name;
    for (char& c : out) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            c = '_';
        }
    }
    return out;
}

}  // namespace

std::vector<MetadataEntry> scif_app_entries(const std::vector<AppInput>& apps) {
    std::vector<MetadataEntry> entries;
    if (apps.empty()) {
        return entries;
    }
    for (const char* path : {"/scif", "/scif/apps", "/scif/data"}) {
        entries.push_back(dir(path));
    }
    for (const AppInput& app : apps) {
        const std::string root = "/scif/apps/" + app.name;
        const std::string meta = root + "/scif";
        const std::string data = "/scif/data/" + app.name;
        for (const std::string& path : {root, root + "/bin", root + "/lib", meta, meta + "/env",
                                        data, data + "/input", data + "/output"}) {
            entries.push_back(dir(path));
        }
        entries.push_back(file(meta + "/env/01-base.sh", app_base_env(app.name), 0755));
        if (app.env) {
            entries.push_back(file(meta + "/env/90-environment.sh", *app.env, 0755));
        }
        if (app.run) {
            entries.push_back(file(meta + "/runscript", sh_script(*app.run), 0755));
        }
        if (app.test) {
            entries.push_back(file(meta + "/test", sh_script(*app.test), 0755));
        }
        if (app.help) {
            entries.push_back(file(meta + "/runscript.help", *app.help, 0644));
        }
        // Every app has labels.json, with at least its name.
        std::map<std::string, std::string> labels{{"SCIF_APP_NAME", app.name}};
        for (const auto& [key, value] : app.labels) {
            labels[key] = value;
        }
        entries.push_back(file(meta + "/labels.json", detail::go_json_object(labels), 0644));
    }
    return entries;
}

std::string scif_apps_env(const std::vector<AppInput>& apps) {
    std::string text;
    for (const AppInput& app : apps) {
        const std::string v = variable_suffix(app.name);
        const std::string root = "/scif/apps/" + app.name;
        text += "## App Global Exports For: " + v + "\n\n";
        text += "SCIF_APPDATA_" + v + "=/scif/data/" + app.name + "\n";
        text += "SCIF_APPMETA_" + v + "=" + root + "/scif\n";
        text += "SCIF_APPROOT_" + v + "=" + root + "\n";
        text += "SCIF_APPBIN_" + v + "=" + root + "/bin\n";
        text += "SCIF_APPLIB_" + v + "=" + root + "/lib\n\n";
        text += "export SCIF_APPDATA_" + v + " SCIF_APPMETA_" + v + " SCIF_APPROOT_" + v +
                " SCIF_APPBIN_" + v + " SCIF_APPLIB_" + v + "\n";
        if (app.env) {
            text += "export SCIF_APPENV_" + v + "=\"" + root + "/scif/env/90-environment.sh\"\n";
        }
        text += "export SCIF_APPLABELS_" + v + "=\"" + root + "/scif/labels.json\"\n";
        if (app.run) {
            text += "export SCIF_APPRUN_" + v + "=\"" + root + "/scif/runscript\"\n";
        }
    }
    return text;
}

}  // namespace sifkit::oci2sif
