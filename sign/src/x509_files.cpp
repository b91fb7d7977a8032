// PEM certificate and CRL files. Both are read through the key-file reader, so that a huge file
// is refused before it is read (a pool of a few hundred certificates is well under its cap).
#include "x509_files.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "key_file.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {
namespace {

BioPtr memory_bio(const std::string& bytes) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    if (!bio) {
        throw Error(ErrorKind::internal, "cannot allocate an OpenSSL memory BIO");
    }
    return bio;
}

// PEM_read_bio_* end with a "no start line" error at the end of the data; anything else is a
// damaged block.
bool at_end_of_pem() {
    const unsigned long error = ERR_peek_last_error();
    const bool end =
        ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    return end;
}

}  // namespace

X509StackPtr load_certificates(const std::filesystem::path& path) {
    const std::string bytes = read_key_file(path);
    const BioPtr bio = memory_bio(bytes);
    X509StackPtr certificates(sk_X509_new_null());
    while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        sk_X509_push(certificates.get(), certificate);
    }
    if (!at_end_of_pem()) {
        throw Error(ErrorKind::invalid_input, "a PEM block is not a valid X.509 certificate",
                    path.string());
    }
    if (sk_X509_num(certificates.get()) == 0) {
        throw Error(ErrorKind::invalid_input, "no PEM certificate (BEGIN CERTIFICATE) in the file",
                    path.string());
    }
    return certificates;
}

X509Ptr load_certificate(const std::filesystem::path& path) {
    const X509StackPtr certificates = load_certificates(path);
    return X509Ptr(X509_dup(sk_X509_value(certificates.get(), 0)));
}

void add_crls(X509_STORE* store, const std::filesystem::path& path) {
    const std::string bytes = read_key_file(path);
    const BioPtr bio = memory_bio(bytes);
    int count = 0;
    while (X509_CRL* read = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
        const X509CrlPtr crl(read);
        X509_STORE_add_crl(store, crl.get());  // takes its own reference
        ++count;
    }
    if (!at_end_of_pem()) {
        throw Error(ErrorKind::invalid_input, "a PEM block is not a valid X.509 CRL",
                    path.string());
    }
    if (count == 0) {
        throw Error(ErrorKind::invalid_input, "no PEM CRL (BEGIN X509 CRL) in the file",
                    path.string());
    }
}

std::string subject_of(const X509* certificate) {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0,
                       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

PublicKey public_key_of(X509* certificate, const std::string& origin) {
    EVP_PKEY* pkey = X509_get0_pubkey(certificate);
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (pkey == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
        ERR_clear_error();
        throw Error(ErrorKind::invalid_input, "cannot read the certificate's public key", origin);
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return PublicKey::from_pem(std::string_view(data, static_cast<std::size_t>(length)), origin);
}

}  // namespace sifkit::sign::detail
