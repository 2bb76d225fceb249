function login(email, password, callback) {
  request.post({ url: '##API_URL##/login', json: { email: email, password: password } }, function (err, response, body) {
    if (err) return callback(err);
    if (response.statusCode === 401) return callback(new WrongUsernameOrPasswordError(email));
    callback(null, { user_id: body.id, email: body.email });
  });
}
