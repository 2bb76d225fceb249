function login(email, password, callback) {
  callback(null, { user_id: email });
}
