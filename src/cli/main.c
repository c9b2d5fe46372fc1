/* cdrgen entry point (placeholder; the real CLI replaces it). */
#include <stdio.h>
#include "cli/commands.h"

int main(void)
{
    fprintf(stderr, "cdrgen: not implemented\n");
    return 2;
}
