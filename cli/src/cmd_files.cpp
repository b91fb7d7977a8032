// sifkit ls / cat: the files of an image's root file system, read in place.

#include "commands.hpp"
#include "output.hpp"
#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/time_text.hpp"

namespace sifkit::cli {
namespace {

struct LsOptions {
    std::string image;
    std::string path = "/";
    bool long_form = false;
    bool recursive = false;
    bool all = false;        // -a: accepted as GNU ls users type it; nothing is ever hidden
    bool directory = false;  // -d: the directory itself, not its contents
};

struct CatOptions {
    std::string image;
    std::string path;
};

std::string mode_text(const rootfs::FileInfo& info) {
    static constexpr char kTypes[] = {'-', 'd', 'l', 'c', 'b', 'p', 's'};
    std::string out(1, kTypes[static_cast<int>(info.type)]);
    const char* const bits = "rwxrwxrwx";
    for (int i = 0; i < 9; ++i) {
        out += (info.mode & (0400U >> i)) != 0 ? bits[i] : '-';
    }
    if ((info.mode & 04000U) != 0) {
        out[3] = (info.mode & 0100U) != 0 ? 's' : 'S';
    }
    if ((info.mode & 02000U) != 0) {
        out[6] = (info.mode & 0010U) != 0 ? 's' : 'S';
    }
    if ((info.mode & 01000U) != 0) {
        out[9] = (info.mode & 0001U) != 0 ? 't' : 'T';
    }
    return out;
}

std::string line(const rootfs::FileInfo& info, const std::string& name, bool long_form) {
    if (!long_form) {
        return name + "\n";
    }
    const bool device =
        info.type == rootfs::FileType::char_device || info.type == rootfs::FileType::block_device;
    const std::string size =
        device ? std::to_string(info.dev_major) + "," + std::to_string(info.dev_minor)
               : std::to_string(info.size);
    std::string out = mode_text(info) + " " + std::to_string(info.uid) + "/" +
                      std::to_string(info.gid) + " " + size + " " + sif::utc_minutes(info.mtime) +
                      " " + name;
    if (info.type == rootfs::FileType::symlink) {
        out += " -> " + info.link_target;
    }
    return out + "\n";
}

// Output is flushed in pieces so that a huge listing never sits in memory.
class Printer {
  public:
    void add(const std::string& text) {
        buffer_ += text;
        if (buffer_.size() > (64U << 10)) {
            flush();
        }
    }
    void flush() {
        write_stdout(buffer_);
        buffer_.clear();
    }

  private:
    std::string buffer_;
};

void run_ls(const LsOptions& o) {
    const sif::Image image = sif::Image::open(o.image);
    const rootfs::SquashfsImage fs = rootfs::open_root(image);
    Printer out;
    const rootfs::FileInfo top = fs.stat(o.path, true);
    if (top.type != rootfs::FileType::directory || o.directory) {
        const rootfs::FileInfo self = fs.stat(o.path, false);  // a link shows as the link
        out.add(line(self, self.path, o.long_form));
    } else if (o.recursive) {
        fs.walk(top.path, [&](const rootfs::FileInfo& info) {
            if (info.path != top.path) {
                out.add(line(info, info.path, o.long_form));
            }
        });
    } else {
        for (const rootfs::FileInfo& info : fs.list(top.path)) {
            out.add(line(info, info.name, o.long_form));
        }
    }
    out.flush();
}

void run_cat(const CatOptions& o) {
    const sif::Image image = sif::Image::open(o.image);
    const rootfs::SquashfsImage fs = rootfs::open_root(image);
    const rootfs::FileInfo info = fs.stat(o.path, true);
    if (info.type != rootfs::FileType::regular) {
        throw Error(
            ErrorKind::usage,
            o.path + " is not a regular file (" + std::string(rootfs::token(info.type)) + ")",
            o.image);
    }
    fs.read(info, [](std::span<const std::byte> chunk) {
        write_stdout(std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()));
    });
}

}  // namespace

void register_ls(CLI::App& app) {
    auto o = std::make_shared<LsOptions>();
    CLI::App* cmd = app.add_subcommand("ls", "List files in an image's root file system");
    cmd->add_option("IMAGE", o->image, "SIF or OCI-SIF image")->required();
    cmd->add_option("PATH", o->path, "Directory or file inside the image (default /)");
    cmd->add_flag("-l", o->long_form, "Long form: mode, uid/gid, size, time (UTC), name");
    cmd->add_flag("-R", o->recursive, "Everything below PATH, with full paths");
    cmd->add_flag("-a", o->all,
                  "Accepted for GNU ls habits (ls -la): every entry is always listed, dot files "
                  "included");
    cmd->add_flag("-d", o->directory, "List PATH itself, not its contents (as ls -d)");
    cmd->footer(
        "Examples:\n  sifkit ls app.sif /etc\n  sifkit ls -lR app.sif /usr/local\n  sifkit ls -ld "
        "app.sif /tmp");
    cmd->callback([o] { run_ls(*o); });
}

void register_cat(CLI::App& app) {
    auto o = std::make_shared<CatOptions>();
    CLI::App* cmd = app.add_subcommand("cat", "Print one file of an image's root file system");
    cmd->add_option("IMAGE", o->image, "SIF or OCI-SIF image")->required();
    cmd->add_option("PATH", o->path, "File inside the image (symbolic links are followed)")
        ->required();
    cmd->footer("Example:\n  sifkit cat app.sif /etc/os-release");
    cmd->callback([o] { run_cat(*o); });
}

}  // namespace sifkit::cli
