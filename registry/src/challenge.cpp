#include "challenge.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace sifkit::registry {
namespace {

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view text) {
    std::string out;
    for (const char c : text) {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

class Scanner {
  public:
    explicit Scanner(std::string_view text) : text_(text) {}

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
            ++pos_;
        }
    }
    bool at_end() {
        skip_space();
        return pos_ >= text_.size();
    }
    bool accept(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    std::string token() {
        skip_space();
        const std::size_t start = pos_;
        while (pos_ < text_.size() && is_token_char(text_[pos_])) {
            ++pos_;
        }
        return std::string(text_.substr(start, pos_ - start));
    }
    // A quoted string with backslash escapes, or everything up to the next comma or space
    // (servers put unquoted URLs there).
    std::string value() {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != '"') {
            const std::size_t start = pos_;
            while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ' ' &&
                   text_[pos_] != '\t') {
                ++pos_;
            }
            return std::string(text_.substr(start, pos_ - start));
        }
        ++pos_;
        std::string out;
        while (pos_ < text_.size() && text_[pos_] != '"') {
            if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
                ++pos_;
            }
            out += text_[pos_++];
        }
        if (pos_ < text_.size()) {
            ++pos_;
        }
        return out;
    }
    // Whether a "name=" follows (a parameter) rather than a new scheme.
    bool parameter_follows() {
        skip_space();
        std::size_t p = pos_;
        while (p < text_.size() && is_token_char(text_[p])) {
            ++p;
        }
        while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) {
            ++p;
        }
        return p > pos_ && p < text_.size() && text_[p] == '=';
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

std::vector<Challenge> parse_challenges(std::string_view header) {
    std::vector<Challenge> out;
    Scanner in(header);
    while (!in.at_end()) {
        if (in.accept(',')) {
            continue;
        }
        Challenge challenge;
        challenge.scheme = lower(in.token());
        if (challenge.scheme.empty()) {
            break;  // not a challenge: stop rather than loop
        }
        while (in.parameter_follows()) {
            const std::string name = lower(in.token());
            in.accept('=');
            challenge.params[name] = in.value();
            if (!in.accept(',')) {
                break;
            }
        }
        out.push_back(std::move(challenge));
    }
    return out;
}

std::vector<std::string> merge_scopes(const std::vector<std::string>& scopes) {
    std::map<std::string, std::set<std::string>> actions;  // "TYPE:NAME" -> actions
    std::set<std::string> others;
    for (const std::string& list : scopes) {
        std::size_t pos = 0;
        while (pos < list.size()) {
            const std::size_t end = std::min(list.find(' ', pos), list.size());
            const std::string_view scope = std::string_view(list).substr(pos, end - pos);
            pos = end + 1;
            if (scope.empty()) {
                continue;
            }
            const auto type_end = scope.find(':');
            const auto last = scope.rfind(':');
            if (type_end == std::string_view::npos || last == type_end) {
                others.emplace(scope);
                continue;
            }
            auto& set = actions[std::string(scope.substr(0, last))];
            std::string_view rest = scope.substr(last + 1);
            while (!rest.empty()) {
                const std::size_t comma = std::min(rest.find(','), rest.size());
                if (comma > 0) {
                    set.emplace(rest.substr(0, comma));
                }
                rest.remove_prefix(std::min(comma + 1, rest.size()));
            }
        }
    }
    std::vector<std::string> out;
    for (const auto& [resource, names] : actions) {
        std::string scope = resource + ":";
        for (const auto& name : names) {
            scope += (scope.back() == ':' ? "" : ",") + name;
        }
        out.push_back(std::move(scope));
    }
    out.insert(out.end(), others.begin(), others.end());
    return out;
}

}  // namespace sifkit::registry
