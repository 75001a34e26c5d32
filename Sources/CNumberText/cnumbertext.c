#include <stdio.h>
#include "cnumbertext.h"

int cnumbertext_g12(double value, char *out) {
    return snprintf(out, 32, "%.12g", value);
}
