// The tree's own structure: the child index against a plain map of what was added and removed
// (backward-shift deletion is easy to get subtly wrong), sibling chains, and name order.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>

#include "fs_tree.hpp"
#include "sifkit/sif/error.hpp"

using namespace sifkit::oci2sif;

TEST_CASE("the child index finds exactly the children that were made and not removed") {
    Tree tree;
    std::mt19937 random(20261207);
    // Few parents and short names, so that many keys share a home slot and probe runs wrap.
    std::vector<Node*> parents{&tree.root()};
    std::map<std::pair<const Node*, std::string>, Node*> expected;
    for (int round = 0; round < 20000; ++round) {
        Node* parent = parents[random() % parents.size()];
        const std::string name = "n" + std::to_string(random() % 300);
        const int action = static_cast<int>(random() % 10);
        if (action < 7) {
            bool made = false;
            Node& child = tree.make_child(*parent, name, &made);
            const auto key = std::make_pair(static_cast<const Node*>(parent), name);
            REQUIRE(made == (expected.count(key) == 0));
            if (made) {
                expected[key] = &child;
                if (parents.size() < 8) {
                    parents.push_back(&child);
                }
            }
            REQUIRE(expected.at(key) == &child);
        } else {
            // Remove one name from a parent, through the sibling chain as finish() does.
            tree.remove_children_if(*parent, [&](const Node& child) {
                return child.name() == name && expected.erase({parent, name}) == 1;
            });
        }
        if (round % 1000 == 0) {
            for (const auto& [key, node] : expected) {
                REQUIRE(tree.child(*key.first, key.second) == node);
            }
        }
    }
    for (const auto& [key, node] : expected) {
        CHECK(tree.child(*key.first, key.second) == node);
    }
    for (Node* parent : parents) {
        for (int i = 0; i < 300; ++i) {
            const std::string name = "n" + std::to_string(i);
            const bool present = expected.count({parent, name}) != 0;
            CHECK((tree.child(*parent, name) != nullptr) == present);
        }
    }
}

TEST_CASE("children are listed in byte order of their names, whatever the order made") {
    Tree tree;
    for (const char* name : {"b", "a", "B", "\xc3\xa9", "a0", "", "aa"}) {
        tree.make_child(tree.root(), name);
    }
    std::vector<std::string> names;
    for (const Node* child : tree.sorted_children(tree.root())) {
        names.emplace_back(child->name());
    }
    CHECK(names == std::vector<std::string>{"", "B", "a", "a0", "aa", "b", "\xc3\xa9"});
    CHECK(tree.child(tree.root(), "a0")->path() == "/a0");
}

TEST_CASE("a name longer than the tree keeps is refused, not truncated") {
    Tree tree;
    const std::string name(Tree::kMaxName + 1, 'x');
    CHECK_THROWS_AS(tree.make_child(tree.root(), name), sifkit::Error);
    CHECK(tree.make_child(tree.root(), std::string(Tree::kMaxName, 'x')).name().size() ==
          Tree::kMaxName);
}
