function changeEmail(a, b, c, cb) { cb(null, true); }
