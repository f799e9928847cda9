// A throw-away PKI for the TLS tests: a CA and certificates it signs, made
// with the OpenSSL C API in a temporary directory that is removed afterwards.
#pragma once

#include <string>

namespace cosip::test {

struct CertFiles {
  std::string certificate_file;  // PEM: the certificate, then its CA
  std::string private_key_file;  // PEM
};

class TestPki {
 public:
  TestPki();  // creates the directory and the CA; throws on failure
  ~TestPki();  // removes the directory
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& ca_file() const { return ca_file_; }
  // A server certificate signed by the CA; `alt_names` is an OpenSSL
  // subjectAltName value such as "DNS:localhost,IP:127.0.0.1".
  CertFiles issue(const std::string& name, const std::string& alt_names);

 private:
  std::string dir_;
  std::string ca_file_;
  void* ca_key_ = nullptr;   // EVP_PKEY
  void* ca_cert_ = nullptr;  // X509
  long serial_ = 1;
};

}  // namespace cosip::test
