// giflib 5 (Debian's libgif-dev): GIF encoding and decoding with error codes, no longjmp.
#include <gif_lib.h>
