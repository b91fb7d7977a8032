// Self-signatures of a transferable public key (RFC 4880 §5.2.1, §5.2.4, §11.1): user ID
// certifications, subkey bindings and key revocations, each checked against the primary key
// before it may change what a key is trusted to do or until when.
#pragma once

#include <cstdint>
#include <span>

#include "pgp_signature.hpp"
#include "sifkit/sign/pgp.hpp"

namespace sifkit::sign::detail {

// True when `signature` is by `primary` (when it names an issuer at all), uses an accepted hash,
// has no unknown critical subpacket and verifies over the material its type signs:
//   - certifications (0x10..0x13): the primary key and `user_id` (§5.2.4: 0xB4, 4-byte length),
//   - key revocations (0x20): the primary key alone,
//   - subkey bindings and revocations (0x18, 0x28): the primary key, then `subkey`.
bool verifies_certification(const PgpPublicKey& primary, std::span<const std::uint8_t> user_id,
                            const SignaturePacket& signature);
bool verifies_key_revocation(const PgpPublicKey& primary, const SignaturePacket& signature);
bool verifies_subkey_signature(const PgpPublicKey& primary, const PgpPublicKey& subkey,
                               const SignaturePacket& signature);

// Which of two valid self-signatures of a key rules its expiry: a certification that marks its
// user ID primary over one that does not, then the newer one (as the reference picks the
// primary identity's newest self-signature, and a subkey's newest binding).
bool rules_over(const SignaturePacket& candidate, const SignaturePacket& current) noexcept;

// The key's expiry set by its ruling self-signature: creation plus key lifetime, or the
// self-signature's own expiry if sooner; nullopt when neither is set.
std::optional<std::int64_t> expiry_from(const PgpPublicKey& key,
                                        const SignaturePacket& self_signature) noexcept;

// The revocation a verified revocation signature records.
PgpRevocation revocation_from(const SignaturePacket& signature);

}  // namespace sifkit::sign::detail
