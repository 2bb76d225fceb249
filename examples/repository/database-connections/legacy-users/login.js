function login(email, password, callback) {
  const request = require('request');

  request.post({
    url: 'https://legacy.example.com/api/authenticate',
    json: { email: email, password: password }
  }, function (err, response, body) {
    if (err) return callback(err);
    if (response.statusCode === 401) return callback(new WrongUsernameOrPasswordError(email));
    if (response.statusCode !== 200) return callback(new Error('legacy login failed: ' + response.statusCode));

    callback(null, {
      user_id: body.id.toString(),
      email: body.email,
      email_verified: body.email_verified,
      name: body.name
    });
  });
}
