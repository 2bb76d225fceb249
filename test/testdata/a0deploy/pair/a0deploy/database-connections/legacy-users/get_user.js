function getByEmail(email, callback) {
  request.get({ url: '##API_URL##/users?email=' + encodeURIComponent(email), json: true }, function (err, response, body) {
    if (err) return callback(err);
    if (response.statusCode === 404) return callback(null);
    callback(null, { user_id: body.id, email: body.email });
  });
}
