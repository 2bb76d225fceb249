function getUsers(email, callback) {
  callback(null);
}
