// libpng 1.6's simplified API (png_image_*): reading and writing whole images without
// setjmp/longjmp error handling, which Swift cannot use.
#include <png.h>
