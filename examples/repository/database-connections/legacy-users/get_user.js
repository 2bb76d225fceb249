function getByEmail(email, callback) {
  const request = require('request');

  request.get({
    url: 'https://legacy.example.com/api/users',
    qs: { email: email },
    json: true
  }, function (err, response, body) {
    if (err) return callback(err);
    if (response.statusCode === 404) return callback(null);
    callback(null, { user_id: body.id.toString(), email: body.email, name: body.name });
  });
}
