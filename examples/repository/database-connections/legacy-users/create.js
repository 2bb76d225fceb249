function create(user, callback) {
  const request = require('request');

  request.post({
    url: 'https://legacy.example.com/api/users',
    json: { email: user.email, password: user.password }
  }, function (err, response) {
    if (err) return callback(err);
    if (response.statusCode === 409) return callback(new ValidationError('user_exists', 'The user already exists.'));
    callback(null);
  });
}
