/* Certificate analysis: every field of an X.509 certificate as sent. */
#ifndef OD_CERT_H
#define OD_CERT_H

#include <stddef.h>
#include "od_obs.h"

/* Parses DER into *out (all fields of od_cert, der copied). Returns NULL,
 * or a malloc'd error message. */
char *od_cert_parse_der(const unsigned char *der, size_t len, od_cert *out);

/* PEM text of the certificate's DER, malloc'd. */
char *od_cert_to_pem(const od_cert *c);
/* Parses one PEM certificate into *out. */
char *od_cert_parse_pem(const char *pem, od_cert *out);

#endif
