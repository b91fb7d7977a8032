// The one error type of sifkit. Every module throws sifkit::Error; it carries the file it is
// about, the byte offset where that makes sense, and a one-line description. Library code never
// prints or exits: callers (the CLI) decide how to report an Error and which exit code it maps to.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

namespace sifkit {

// What kind of failure an Error is. The CLI maps each kind to a documented exit code, so kinds
// are coarse and stable: add a kind only when a caller needs to branch on it.
enum class ErrorKind {
    usage,          // the caller asked for something invalid (bad option, bad argument)
    io,             // the operating system refused a read, write, open, rename...
    invalid_image,  // a SIF file is not well formed (bad magic, table out of range, overlap...)
    invalid_input,  // some other input is not well formed (an object spec, an OCI layout...)
    not_found,      // a named thing does not exist (object ID, group, path in an image)
    conflict,       // the request conflicts with the image's state (table full, second primary)
    unsupported,    // well formed but not something this version can handle
    denied,         // a server refused access: authentication required or credentials refused
    no_space,       // the destination's file system has too little free space (or ENOSPC)
    internal,       // a bug: an invariant of sifkit itself was broken
};

// Name of a kind, for logs and JSON ("io", "invalid_image", ...).
const char* to_string(ErrorKind kind) noexcept;

class Error : public std::exception {
  public:
    Error(ErrorKind kind, std::string detail, std::string file = {},
          std::optional<std::uint64_t> offset = std::nullopt);

    ErrorKind kind() const noexcept { return kind_; }
    // The file the error is about; empty when there is none.
    const std::string& file() const noexcept { return file_; }
    // Byte offset inside file() where the problem was found, when known.
    std::optional<std::uint64_t> offset() const noexcept { return offset_; }
    // The description alone, without file and offset.
    const std::string& detail() const noexcept { return detail_; }
    // "FILE: offset N: DETAIL" (parts that are unknown are left out), always one line.
    const char* what() const noexcept override { return message_.c_str(); }

    // A copy naming `file`, for layers that know the path when the thrower did not.
    Error with_file(std::string file) const;

  private:
    void format();

    ErrorKind kind_;
    std::string detail_;
    std::string file_;
    std::optional<std::uint64_t> offset_;
    std::string message_;
};

// Throws an io Error for the current errno: "DETAIL: strerror(errno)".
[[noreturn]] void throw_errno(const std::string& detail, const std::string& file,
                              std::optional<std::uint64_t> offset = std::nullopt);

// The one check of a path an input must be: an existing directory, or an existing regular file,
// that this process may read. Otherwise the io Error "PATH: cannot open: REASON" (strerror:
// "No such file or directory", "Permission denied", "Not a directory", "Is a directory"), so that
// every transport and file argument reports one cause with one line and one exit code.
void require_readable_directory(const std::string& path);
void require_readable_file(const std::string& path);

}  // namespace sifkit
