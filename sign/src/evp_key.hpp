// What keys.cpp knows about an OpenSSL key, for the other ways keys are loaded (pkcs11_key.cpp).
#pragma once

#include <openssl/types.h>

#include <string>

#include "sifkit/sign/keys.hpp"

namespace sifkit::sign::detail {

// The key type of an EVP_PKEY; an unsupported algorithm or curve is an Error naming `origin`.
KeyType key_type_of(EVP_PKEY* pkey, const std::string& origin);

}  // namespace sifkit::sign::detail
