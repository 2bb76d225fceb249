function verify(email, callback) {
  const request = require('request');

  request.post({
    url: 'https://legacy.example.com/api/users/verify',
    json: { email: email }
  }, function (err, response) {
    if (err) return callback(err);
    callback(null, response.statusCode === 200);
  });
}
