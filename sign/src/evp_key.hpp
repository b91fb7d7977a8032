// What keys.cpp knows about an OpenSSL key, for the other ways keys are loaded (pkcs11_key.cpp).
#pragma once

#include <string>

#include "sifkit/sign/keys.hpp"

namespace sifkit::sign::detail {

// The key type of an EVP_PKEY (passed as void*, as the key classes hold it); an unsupported
// algorithm or curve is an Error naming `origin`.
KeyType key_type_of(void* pkey, const std::string& origin);

}  // namespace sifkit::sign::detail
