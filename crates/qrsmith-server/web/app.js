// Placeholder: the web interface is being written.
"use strict";
