// The Catch2 runner of the oci2sif unit tests, compiled once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
