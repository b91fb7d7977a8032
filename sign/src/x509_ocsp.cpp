// OCSP through OpenSSL: the request and response codecs, OSSL_HTTP_transfer for the POST (with
// a timeout, and the http_proxy/no_proxy environment like other HTTP clients), and
// OCSP_basic_verify for the responder's signature and authority.
#include "x509_ocsp.hpp"

#include <openssl/err.h>
#include <openssl/http.h>

#include "x509_files.hpp"

namespace sifkit::sign::detail {
namespace {

using OcspCertIdPtr = OpensslPtr<OCSP_CERTID, OCSP_CERTID_free>;

std::string last_openssl_error() {
    const unsigned long error = ERR_get_error();
    ERR_clear_error();
    if (error == 0) {
        return "no details";
    }
    char text[256];
    ERR_error_string_n(error, text, sizeof text);
    return text;
}

OcspOutcome unknown(const std::string& subject, const std::string& why) {
    return {CertificateStatus::revocation_unknown,
            "revocation status unknown for " + subject + ": " + why};
}

// The first OCSP responder URL of the certificate's AIA; empty when it names none.
std::string responder_of(X509* certificate) {
    const StringStackPtr urls(X509_get1_ocsp(certificate));
    std::string url;
    if (urls != nullptr && sk_OPENSSL_STRING_num(urls.get()) > 0) {
        url = sk_OPENSSL_STRING_value(urls.get(), 0);
    }
    return url;
}

// POSTs the request to `url`; nullptr (and `error` set) when no answer came.
OcspResponsePtr ask(const std::string& url, OCSP_REQUEST* request, int timeout_seconds,
                    std::string& error) {
    int tls = 0;
    char* host_text = nullptr;
    char* port_text = nullptr;
    char* path_text = nullptr;
    const int parsed = OSSL_HTTP_parse_url(url.c_str(), &tls, nullptr, &host_text, &port_text,
                                           nullptr, &path_text, nullptr, nullptr);
    const OpensslStringPtr host(host_text);
    const OpensslStringPtr port(port_text);
    const OpensslStringPtr path(path_text);
    if (parsed != 1) {
        error = "responder URL " + url + " is not a valid URL";
        ERR_clear_error();
        return nullptr;
    }
    if (tls != 0) {
        // OCSP is signed and meant for plain HTTP (RFC 6960 A.1); no TLS context is set up.
        error = "responder " + url + " uses https, which sifkit does not support for OCSP";
        return nullptr;
    }
    const BioPtr body(BIO_new(BIO_s_mem()));
    if (i2d_OCSP_REQUEST_bio(body.get(), request) != 1) {
        error = "cannot encode the OCSP request";
        ERR_clear_error();
        return nullptr;
    }
    const BioPtr answer(OSSL_HTTP_transfer(
        nullptr, host.get(), port.get(), path.get(), 0, nullptr, nullptr, nullptr, nullptr, nullptr,
        nullptr, 0, nullptr, "application/ocsp-request", body.get(), "application/ocsp-response", 1,
        1U << 20, timeout_seconds, 0));
    if (!answer) {
        error =
            "responder " + url + " unreachable or no OCSP answer (" + last_openssl_error() + ")";
        return nullptr;
    }
    OcspResponsePtr response(d2i_OCSP_RESPONSE_bio(answer.get(), nullptr));
    if (!response) {
        error = "responder " + url + " sent something that is not an OCSP response";
        ERR_clear_error();
    }
    return response;
}

OcspOutcome check_one(X509* certificate, X509* issuer, STACK_OF(X509) * chain, X509_STORE* store,
                      int timeout_seconds) {
    const std::string subject = subject_of(certificate);
    const std::string url = responder_of(certificate);
    if (url.empty()) {
        return unknown(subject, "it names no OCSP responder (Authority Information Access)");
    }
    const OcspCertIdPtr id(OCSP_cert_to_id(nullptr, certificate, issuer));
    const OcspRequestPtr request(OCSP_REQUEST_new());
    if (!id || !request ||
        OCSP_request_add0_id(request.get(), OCSP_CERTID_dup(id.get())) == nullptr ||
        OCSP_request_add1_nonce(request.get(), nullptr, -1) != 1) {
        ERR_clear_error();
        return unknown(subject, "cannot build the OCSP request");
    }
    std::string error;
    const OcspResponsePtr response = ask(url, request.get(), timeout_seconds, error);
    if (!response) {
        return unknown(subject, error);
    }
    const int answer = OCSP_response_status(response.get());
    if (answer != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        return unknown(
            subject, "responder " + url + " answered \"" + OCSP_response_status_str(answer) + "\"");
    }
    const OcspBasicPtr basic(OCSP_response_get1_basic(response.get()));
    if (!basic || OCSP_basic_verify(basic.get(), chain, store, 0) != 1) {
        return unknown(subject, "the answer of " + url +
                                    " is not signed by the issuer or its OCSP delegate (" +
                                    last_openssl_error() + ")");
    }
    // A nonce echoed back must match; responders that answer from a cache send none (3).
    const int nonce = OCSP_check_nonce(request.get(), basic.get());
    if (nonce <= 0) {
        return unknown(subject, "the answer of " + url + " carries a wrong nonce (a replay?)");
    }
    int status = 0;
    int revocation_reason = 0;
    ASN1_GENERALIZEDTIME* revoked_at = nullptr;
    ASN1_GENERALIZEDTIME* this_update = nullptr;
    ASN1_GENERALIZEDTIME* next_update = nullptr;
    if (OCSP_resp_find_status(basic.get(), id.get(), &status, &revocation_reason, &revoked_at,
                              &this_update, &next_update) != 1) {
        return unknown(subject, "the answer of " + url + " says nothing about it");
    }
    // Five minutes of clock skew, as the openssl command allows by default.
    if (OCSP_check_validity(this_update, next_update, 300, -1) != 1) {
        ERR_clear_error();
        return unknown(subject, "the answer of " + url + " is outdated or not yet valid");
    }
    if (status == V_OCSP_CERTSTATUS_REVOKED) {
        return {CertificateStatus::untrusted,
                "certificate revoked (OCSP, " + url + "): " + subject};
    }
    if (status != V_OCSP_CERTSTATUS_GOOD) {
        return {CertificateStatus::untrusted,
                "certificate unknown to its OCSP responder " + url + ": " + subject};
    }
    return {};
}

}  // namespace

OcspOutcome check_ocsp(STACK_OF(X509) * chain, X509_STORE* store, int timeout_seconds) {
    const int count = sk_X509_num(chain);
    for (int i = 0; i < count; ++i) {
        X509* certificate = sk_X509_value(chain, i);
        if ((X509_get_extension_flags(certificate) & EXFLAG_SS) != 0) {
            continue;  // a self-signed root: nobody above it to ask
        }
        if (i + 1 == count) {
            return unknown(subject_of(certificate),
                           "its issuer is not in the chain (the chain ends at a root that is not "
                           "self-signed)");
        }
        OcspOutcome outcome =
            check_one(certificate, sk_X509_value(chain, i + 1), chain, store, timeout_seconds);
        if (outcome.status != CertificateStatus::trusted) {
            return outcome;
        }
    }
    return {};
}

}  // namespace sifkit::sign::detail
