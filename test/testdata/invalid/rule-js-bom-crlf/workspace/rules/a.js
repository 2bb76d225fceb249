function (user, context, callback) {
  var x = 1;
  var y = 'unterminated;
  callback(null, user, context);
}
