function remove(id, callback) {
  const request = require('request');

  request.del({ url: 'https://legacy.example.com/api/users/' + encodeURIComponent(id) }, function (err) {
    callback(err || null);
  });
}
