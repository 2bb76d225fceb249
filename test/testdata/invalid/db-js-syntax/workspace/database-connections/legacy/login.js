function login(email, password, callback) {
  const request = require('request');
  request.post({ url: 'https://legacy.example.com/login', json: { email, password } }, function (err, res) {
    callback(err, res.body;
  });
}
