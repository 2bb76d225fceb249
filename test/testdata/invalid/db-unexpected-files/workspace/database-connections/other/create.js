function create(user, callback) {
  callback(null);
}
