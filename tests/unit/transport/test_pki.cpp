// Test PKI: P-256 keys, X.509 v3 certificates valid for a day, PEM files.
#include "test_pki.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace cosip::test {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext, -1) == 1, "add extension");
  X509_EXTENSION_free(ext);
}

// An unsigned certificate for `key` named `cn`, issued by `issuer` (by itself
// when null).
X509* make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, long serial) {
  X509* cert = X509_new();
  check(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) { check(X509_sign(cert, key, EVP_sha256()) > 0, "sign"); }

void write_pem(const std::string& path, X509* cert, X509* chain, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "open PEM file");
  bool ok = true;
  if (cert) ok = ok && PEM_write_X509(f, cert) == 1;
  if (chain) ok = ok && PEM_write_X509(f, chain) == 1;
  if (key) ok = ok && PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  check(ok, "write PEM");
}

}  // namespace

TestPki::TestPki() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cosip-pki-XXXXXX").string();
  check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  dir_ = pattern;
  ca_file_ = dir_ + "/ca.pem";

  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key != nullptr, "CA key");
  X509* cert = make_cert(key, "cosip test CA", nullptr, serial_++);
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  sign(cert, key);
  write_pem(ca_file_, cert, nullptr, nullptr);
  ca_key_ = key;
  ca_cert_ = cert;
}

TestPki::~TestPki() {
  X509_free(static_cast<X509*>(ca_cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(ca_key_));
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestPki::issue(const std::string& name, const std::string& alt_names) {
  auto* ca_cert = static_cast<X509*>(ca_cert_);
  auto* ca_key = static_cast<EVP_PKEY*>(ca_key_);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key != nullptr, "key");
  X509* cert = make_cert(key, name, ca_cert, serial_++);
  add_extension(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, ca_cert, NID_ext_key_usage, "serverAuth,clientAuth");
  add_extension(cert, ca_cert, NID_subject_alt_name, alt_names.c_str());
  sign(cert, ca_key);
  const std::string base = dir_ + "/" + std::to_string(serial_);
  CertFiles files{base + "-cert.pem", base + "-key.pem"};
  write_pem(files.certificate_file, cert, ca_cert, nullptr);
  write_pem(files.private_key_file, nullptr, nullptr, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace cosip::test
