function changeEmail(email, newEmail, verified, callback) {
  callback(null, true);
}
