function changePassword(email, newPassword, callback) {
  const request = require('request');

  request.put({
    url: 'https://legacy.example.com/api/users/password',
    json: { email: email, password: newPassword }
  }, function (err, response) {
    if (err) return callback(err);
    callback(null, response.statusCode === 200);
  });
}
