#include "shell_quote.hpp"

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif::detail {
namespace {

bool is_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF); 0 when the first byte does not start one.
std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) {
        return 1;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;  // allowed range of the second byte
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;
        high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < low || byte(1) > high) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (!is_continuation(byte(i))) {
            return 0;
        }
    }
    return length;
}

// Bytes at the start of `text` that are well-formed UTF-8, and that are not.
std::size_t well_formed_prefix(std::string_view text) {
    std::size_t length = 0;
    while (length < text.size()) {
        const std::size_t sequence = utf8_sequence_length(text.substr(length));
        if (sequence == 0) {
            break;
        }
        length += sequence;
    }
    return length;
}

std::size_t ill_formed_prefix(std::string_view text) {
    std::size_t length = 0;
    while (length < text.size() && utf8_sequence_length(text.substr(length)) == 0) {
        ++length;
    }
    return length;
}

// '...' around UTF-8 text, each ' written as '"'"'.
std::string quoted_utf8(std::string_view text) {
    std::string word = "'";
    for (char c : text) {
        word += c == '\'' ? std::string_view("'\"'\"'") : std::string_view(&c, 1);
    }
    return word + "'";
}

// "$(printf '\ooo...')": printf (a builtin of every shell that runs these scripts) writes each
// byte from three octal digits, and the double quotes keep the result one word.
std::string printed_bytes(std::string_view bytes) {
    std::string word = "\"$(printf '";
    for (char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        word += '\\';
        word += static_cast<char>('0' + (byte >> 6));
        word += static_cast<char>('0' + ((byte >> 3) & 7));
        word += static_cast<char>('0' + (byte & 7));
    }
    return word + "')\"";
}

}  // namespace

std::string single_quoted(std::string_view text) {
    if (text.empty()) {
        return "''";
    }
    std::string word;
    while (!text.empty()) {
        const std::size_t valid = well_formed_prefix(text);
        const std::size_t length = valid > 0 ? valid : ill_formed_prefix(text);
        word +=
            valid > 0 ? quoted_utf8(text.substr(0, length)) : printed_bytes(text.substr(0, length));
        text.remove_prefix(length);
    }
    return word;
}

std::string double_quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '\\' || c == '"' || c == '`' || c == '$') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

bool is_shell_name(std::string_view name) {
    if (name.empty() || !is_name_start(name.front())) {
        return false;
    }
    for (char c : name) {
        if (!is_name_char(c)) {
            return false;
        }
    }
    return true;
}

void require_no_nul(std::string_view text, std::string_view what) {
    if (text.find('\0') != std::string_view::npos) {
        throw Error(ErrorKind::invalid_input,
                    std::string(what) + " contains a NUL byte, which a shell script cannot carry");
    }
}

}  // namespace sifkit::oci2sif::detail
