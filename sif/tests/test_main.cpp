// The Catch2 runner, compiled once for every test file of the sif module.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
